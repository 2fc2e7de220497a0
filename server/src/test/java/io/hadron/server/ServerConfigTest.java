package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
  @Test
  void noFlagsGiveTheDocumentedDefaults() {
    ServerConfig c = ServerConfig.parse();
    assertEquals(8000, c.httpPort());
    assertEquals(64L << 20, c.maxRequestBytes());
    assertTrue(c.modelRepository().isEmpty());
    assertEquals(4, c.defaultMaxBatchSize());
    assertEquals(io.hadron.server.cpu.EngineThreadPolicy.IDLE, c.engineThreadPolicy());
  }

  @Test
  void engineThreadPolicyFlagParsesAndABadValueIsNamed() {
    assertEquals(io.hadron.server.cpu.EngineThreadPolicy.NORMAL,
        ServerConfig.parse("--engine-thread-policy", "normal").engineThreadPolicy());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--engine-thread-policy", "rt"))
        .getMessage().contains("--engine-thread-policy"));
  }

  @Test
  void flagsTakeValuesAfterASpaceOrAnEqualsSign() {
    ServerConfig c = ServerConfig.parse("--model-repository", "/models", "--http-port=9000",
        "--max-request-size", "2m", "--intra-op-threads=3", "--default-max-batch-size", "16");
    assertEquals(Path.of("/models"), c.modelRepository().orElseThrow());
    assertEquals(9000, c.httpPort());
    assertEquals(2L << 20, c.maxRequestBytes());
    assertEquals(3, c.intraOpThreads());
    assertEquals(16, c.defaultMaxBatchSize());
  }

  @Test
  void badFlagsAreRejectedNamingTheFlag() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--http-port", "http"))
        .getMessage().contains("--http-port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--http-port", "70000"))
        .getMessage().contains("70000"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--bogus", "1"))
        .getMessage().contains("--bogus"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--intra-op-threads"))
        .getMessage().contains("needs a value"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--intra-op-threads", "-1"))
        .getMessage().contains("--intra-op-threads"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--max-request-size", "3x"))
        .getMessage().contains("'3x'"));
  }

  @Test
  void modelControlAndMemoryFlagsParseAndRejectWhatCannotWork() {
    ServerConfig c = ServerConfig.parse("--model-control-mode", "on-demand", "--load-model", "a,b",
        "--load-model", "c", "--host-memory-budget", "2g", "--gpu-memory-fraction", "0.75",
        "--on-demand-timeout", "5s");
    assertEquals(io.hadron.server.repository.ModelControl.ON_DEMAND, c.modelControl());
    assertEquals(java.util.List.of("a", "b", "c"), c.loadModels());
    assertEquals(2L << 30, c.hostMemoryBudget());
    assertEquals(0.75, c.gpuMemoryFraction());
    assertEquals(java.time.Duration.ofSeconds(5), c.onDemandTimeout());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--load-model", "a"))
        .getMessage().contains("--model-control-mode"), "loading named models needs explicit control");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--model-control-mode", "poll"))
        .getMessage().contains("'poll'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--gpu-memory-fraction", "1.5"))
        .getMessage().contains("--gpu-memory-fraction"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--on-demand-timeout", "0s"))
        .getMessage().contains("--on-demand-timeout"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--host-memory-budget", "-1"))
        .getMessage().contains("--host-memory-budget"));
  }
}
