package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The metrics flags: defaults, parsing and the values refused. */
class MetricsFlagsTest {
  @Test
  void metricsAreOnAtPort8002ByDefault() {
    ServerConfig c = ServerConfig.parse();
    assertTrue(c.metrics());
    assertEquals(8002, c.metricsPort());
  }

  @Test
  void metricsCanBeTurnedOffOrMoved() {
    assertFalse(ServerConfig.parse("--metrics=false").metrics());
    assertTrue(ServerConfig.parse("--metrics", "TRUE").metrics());
    assertEquals(9102, ServerConfig.parse("--metrics-port", "9102").metricsPort());
    // Off, the port is unused, so it may coincide with another.
    assertFalse(ServerConfig.parse("--metrics", "false", "--metrics-port", "8000").metrics());
  }

  @Test
  void badMetricsFlagsAreRejectedNamingTheFlag() {
    assertEquals("--metrics needs true or false, got 'yes'",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--metrics", "yes")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--metrics-port", "-1"))
        .getMessage().contains("--metrics-port"));
    assertEquals("--metrics-port 8001 conflicts with --grpc-port; metrics need a port of their own",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--metrics-port", "8001")).getMessage());
    assertEquals("--metrics-port 8000 conflicts with --http-port; metrics need a port of their own",
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--metrics-port", "8000")).getMessage());
  }
}
