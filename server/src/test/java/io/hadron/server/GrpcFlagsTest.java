package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The gRPC listener's flags: defaults, parsing and the values refused. */
class GrpcFlagsTest {
  @Test
  void defaultsArePort8001AndTwoGibibytesLessOne() {
    ServerConfig c = ServerConfig.parse();
    assertEquals(8001, c.grpcPort());
    assertEquals(Integer.MAX_VALUE, c.grpcMaxMessageBytes());
    assertTrue(ServerConfig.USAGE.contains("--grpc-port"));
    assertTrue(ServerConfig.USAGE.contains("--grpc-max-message-size"));
  }

  @Test
  void flagsAreParsed() {
    ServerConfig c = ServerConfig.parse("--grpc-port=9001", "--grpc-max-message-size", "16m");
    assertEquals(9001, c.grpcPort());
    assertEquals(16L << 20, c.grpcMaxMessageBytes());
  }

  @Test
  void badValuesAreRefusedByName() {
    assertEquals("--grpc-port must be between 0 and 65535, got 70000",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--grpc-port", "70000")).getMessage());
    assertEquals("--grpc-max-message-size must be between 1 and 2147483647 bytes, got 2147483648",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--grpc-max-message-size", "2g"))
            .getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--grpc-max-message-size", "0"))
        .getMessage().startsWith("--grpc-max-message-size must be between 1"));
    assertEquals("--grpc-port 8000 conflicts with --http-port 8000; the two protocols need separate ports",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--grpc-port", "8000")).getMessage());
  }
}
