package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.cpu.EngineThreadPolicy;
import io.hadron.server.cpu.EngineThreads;
import io.hadron.server.cpu.ProcThreads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served model's engine threads are in the CPU class asked for and the server's own are not, read
 * from {@code /proc} while the server runs.
 */
class EngineThreadClassTest {
  private static final int IDLE = 5;
  private static final int NORMAL = 0;
  // Thread names as the kernel keeps them: 15 bytes.
  private static final String INSTANCE = "idle-check/1/in";
  private static final String ENGINE = "idle-check/1/en";

  @TempDir Path repo;

  private TestServer start(EngineThreadPolicy policy) throws Exception {
    Files.createDirectories(repo.resolve("idle-check/1"));
    Files.write(repo.resolve("idle-check/1/model.onnx"), SimpleModels.tritonSimple());
    // Two intra-op threads: ONNX Runtime starts a pool thread of its own while creating the session.
    return new TestServer(ServerConfig.defaults().withModelRepository(repo).toBuilder()
        .intraOpThreads(2).engineThreadPolicy(policy).build());
  }

  @Test
  void engineThreadsAreIdleAndTheServersOwnThreadsAreNot() throws Exception {
    assumeTrue(ProcThreads.available(), "needs Linux /proc");
    assumeTrue(EngineThreads.create(EngineThreadPolicy.IDLE).policy() == EngineThreadPolicy.IDLE,
        "this machine refuses SCHED_IDLE");
    try (TestServer t = start(EngineThreadPolicy.IDLE)) {
      assertEquals(200, t.post("/v2/models/idle-check/infer", PrometheusEndpointTest.simpleRequest(1)).statusCode());
      List<ProcThreads.Entry> threads = ProcThreads.all();
      List<ProcThreads.Entry> engine = threads.stream()
          .filter(e -> e.name().equals(INSTANCE) || e.name().equals(ENGINE)).toList();
      assertTrue(engine.stream().anyMatch(e -> e.name().equals(INSTANCE)), "instance thread: " + threads);
      assertTrue(engine.stream().anyMatch(e -> e.name().equals(ENGINE)),
          "ONNX Runtime's intra-op thread, named after the thread that created the session: " + threads);
      assertTrue(engine.stream().allMatch(e -> e.policy() == IDLE), engine.toString());
      // Every other thread of the process keeps its class: the server's, the JVM's, the libraries'.
      List<ProcThreads.Entry> others = threads.stream()
          .filter(e -> !e.name().equals(INSTANCE) && !e.name().equals(ENGINE)).toList();
      assertTrue(others.stream().anyMatch(e -> e.name().startsWith("vert.x-eventloo")), threads.toString());
      assertTrue(others.stream().anyMatch(e -> e.name().startsWith("idle-check/1/sc")), threads.toString());
      assertTrue(others.stream().allMatch(e -> e.policy() == NORMAL),
          others.stream().filter(e -> e.policy() != NORMAL).toList().toString());
    }
  }

  @Test
  void withTheNormalPolicyTheServersThreadsAllKeepTheNormalClass() throws Exception {
    assumeTrue(ProcThreads.available(), "needs Linux /proc");
    try (TestServer t = start(EngineThreadPolicy.NORMAL)) {
      assertEquals(200, t.post("/v2/models/idle-check/infer", PrometheusEndpointTest.simpleRequest(1)).statusCode());
      List<ProcThreads.Entry> threads = ProcThreads.all();
      assertEquals(1, threads.stream().filter(e -> e.name().equals(INSTANCE)).count(), threads.toString());
      List<ProcThreads.Entry> served = threads.stream().filter(e -> e.name().startsWith("idle-check/")
          || e.name().startsWith("vert.x-") || e.name().startsWith("hadron-")).toList();
      assertTrue(served.stream().allMatch(e -> e.policy() == NORMAL), served.toString());
    }
  }
}
