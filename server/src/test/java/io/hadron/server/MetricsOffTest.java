package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics false}: no registry and no metrics port, but Triton's statistics still served. */
class MetricsOffTest {
  @TempDir Path repo;

  @Test
  void withMetricsOffThereIsNoMetricsPortButStatisticsAreServed() throws Exception {
    Files.createDirectories(repo.resolve("simple/1"));
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    Files.write(repo.resolve("simple/1/model.onnx"), SimpleModels.tritonSimple());
    try (TestServer t = new TestServer(ServerConfig.defaults().withModelRepository(repo).withMetrics(false))) {
      assertThrows(IllegalStateException.class, t.server::metricsPort);
      assertTrue(t.server.metrics().registry().isEmpty());
      assertEquals(200, t.post("/v2/models/simple/infer", PrometheusEndpointTest.simpleRequest(2)).statusCode());
      JsonObject s = new JsonObject(t.get("/v2/models/simple/stats").body()).getJsonArray("model_stats")
          .getJsonObject(0);
      assertEquals(2, s.getLong("inference_count"));
      assertEquals(1, s.getJsonObject("inference_stats").getJsonObject("success").getLong("count"));
    }
  }
}
