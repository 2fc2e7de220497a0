package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.grpc.proto.GrpcService.RepositoryIndexRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryIndexResponse;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelLoadResponse;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelUnloadRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelUnloadResponse;
import io.hadron.server.repository.ModelControl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model control over the repository API, the memory budget's least-recently-used eviction and
 * loading on demand, through a real server. Three copies of Triton's {@code simple} model state
 * their footprint (100 bytes each) and the host budget holds two of them.
 */
class ModelControlTest {
  private static final long FOOTPRINT = 100;
  @TempDir Path repo;

  /** Writes {@code simple} under {@code name}, with a stated footprint and the given batching block. */
  private void model(String name, String batching) throws Exception {
    Files.createDirectories(repo.resolve(name + "/1"));
    Files.write(repo.resolve(name + "/1/model.onnx"), SimpleModels.tritonSimple());
    Files.writeString(repo.resolve(name + "/config.pbtxt"), """
        name: "%s"
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        input [
          { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
        ]
        output [
          { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
        ]
        %s
        parameters { key: "hadron.memory.footprint_bytes" value: { string_value: "%d" } }
        """.formatted(name, batching, FOOTPRINT));
  }

  private TestServer start(ModelControl control, String... load) throws Exception {
    ServerConfig.Builder b = ServerConfig.defaults().withModelRepository(repo).toBuilder()
        .modelControl(control).hostMemoryBudget(250);
    for (String m : load) {
      b.loadModel(m);
    }
    return new TestServer(b.build());
  }

  private static HttpResponse<String> infer(TestServer t, String model) throws Exception {
    return t.post("/v2/models/" + model + "/infer", PrometheusEndpointTest.simpleRequest(1));
  }

  private static Map<String, String> states(TestServer t) throws Exception {
    HttpResponse<String> r = t.post("/v2/repository/index", "");
    assertEquals(200, r.statusCode(), r.body());
    return new JsonArray(r.body()).stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(o -> o.getString("name"), o -> o.getString("state")));
  }

  @Test
  void explicitControlLoadsAndUnloadsOnlyWhenAsked() throws Exception {
    model("a", "dynamic_batching { }");
    model("b", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.EXPLICIT, "a")) {
      t.assertReady();
      assertEquals(Map.of("a", "READY", "b", "UNAVAILABLE"), states(t));
      assertEquals(200, infer(t, "a").statusCode());
      HttpResponse<String> notLoaded = infer(t, "b");
      assertEquals(503, notLoaded.statusCode());
      assertTrue(notLoaded.body().contains("not loaded"), notLoaded.body());

      assertEquals(200, t.post("/v2/repository/models/b/load", "").statusCode());
      assertEquals(200, infer(t, "b").statusCode());
      assertEquals(200, t.get("/v2/models/b/ready").statusCode());
      assertEquals(200, t.post("/v2/repository/models/b/unload", "{\"parameters\":{\"unload_dependents\":false}}")
          .statusCode());
      assertEquals(400, t.get("/v2/models/b/ready").statusCode());
      assertEquals(503, infer(t, "b").statusCode());
      JsonArray readyOnly = new JsonArray(t.post("/v2/repository/index", "{\"ready\":true}").body());
      assertEquals(1, readyOnly.size(), readyOnly.encode());
      assertEquals("a", readyOnly.getJsonObject(0).getString("name"));

      // Reloading a loaded model keeps it serving afterwards.
      assertEquals(200, t.post("/v2/repository/models/a/load", "").statusCode());
      assertEquals(200, infer(t, "a").statusCode());

      // A model directory added after start is found by the index and loads.
      model("c", "dynamic_batching { }");
      assertEquals("UNAVAILABLE", states(t).get("c"));
      assertEquals(200, t.post("/v2/repository/models/c/load", "").statusCode());
      assertEquals(200, infer(t, "c").statusCode());
      t.assertReady();
    }
  }

  @Test
  void badRepositoryRequestsGetClearErrorsAndTheServerStaysReady() throws Exception {
    model("a", "dynamic_batching { }");
    Files.createDirectories(repo.resolve("broken/1"));
    Files.writeString(repo.resolve("broken/1/model.onnx"), "not a model");
    try (TestServer t = start(ModelControl.EXPLICIT)) {
      HttpResponse<String> unknown = t.post("/v2/repository/models/nope/load", "");
      assertEquals(404, unknown.statusCode());
      assertTrue(unknown.body().contains("unknown model 'nope'"), unknown.body());
      HttpResponse<String> broken = t.post("/v2/repository/models/broken/load", "");
      assertEquals(400, broken.statusCode());
      assertTrue(broken.body().contains("failed to load model 'broken'"), broken.body());
      HttpResponse<String> param = t.post("/v2/repository/models/a/load", "{\"parameters\":{\"config\":\"{}\"}}");
      assertEquals(501, param.statusCode());
      assertTrue(param.body().contains("'config'"), param.body());
      assertEquals(400, t.post("/v2/repository/models/a/load", "[1,2]").statusCode());
      assertEquals(400, t.post("/v2/repository/index", "{\"ready\":\"yes\"}").statusCode());
      assertEquals(400, t.post("/v2/repository/index", "{\"what\":1}").statusCode());
      t.assertReady();
      assertEquals(200, t.post("/v2/repository/models/a/load", "").statusCode());
    }
    try (TestServer t = start(ModelControl.NONE)) {
      HttpResponse<String> off = t.post("/v2/repository/models/a/unload", "");
      assertEquals(400, off.statusCode());
      assertTrue(off.body().contains("--model-control-mode"), off.body());
      assertEquals("READY", states(t).get("a"), "the index answers in every mode");
    }
  }

  @Test
  void aLoadThatDoesNotFitEvictsTheLeastRecentlyUsedIdleModel() throws Exception {
    model("a", "dynamic_batching { }");
    model("b", "dynamic_batching { }");
    model("c", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.EXPLICIT, "a", "b")) {
      assertEquals(200, infer(t, "b").statusCode());
      assertEquals(200, infer(t, "a").statusCode()); // a is now the most recently used
      assertEquals(200, t.post("/v2/repository/models/c/load", "").statusCode());
      Map<String, String> s = states(t);
      assertEquals(Map.of("a", "READY", "b", "UNAVAILABLE", "c", "READY"), s);
      HttpResponse<String> evicted = infer(t, "b");
      assertEquals(503, evicted.statusCode());
      assertTrue(evicted.body().contains("evicted"), evicted.body());
      PromText p = new PromText(t.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
          "http://127.0.0.1:" + t.server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body());
      assertEquals(1, p.value("hadron_model_evictions_total", "model", "b", "version", "1"));
      assertEquals(FOOTPRINT, p.value("hadron_model_memory_bytes", "model", "a", "version", "1", "device", "cpu"));
      assertEquals(0, p.value("hadron_model_memory_bytes", "model", "b", "version", "1", "device", "cpu"));
    }
  }

  @Test
  void aModelWithRequestsQueuedIsNeverEvictedEvenWhenLeastRecentlyUsed() throws Exception {
    // "slow" holds a lone request in its queue for 3 s, waiting for a batch of 4 that never forms.
    model("slow", "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 3000000 }");
    model("idle", "dynamic_batching { }");
    model("new", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.EXPLICIT, "slow", "idle")) {
      assertEquals(200, infer(t, "idle").statusCode()); // idle is used after slow loaded: slow is the LRU
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> {
          try {
            return infer(t, "slow");
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }, pool);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (t.server.repository().find("slow", "1").inFlight() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertEquals(1, t.server.repository().find("slow", "1").inFlight());
        assertEquals(200, t.post("/v2/repository/models/new/load", "").statusCode());
        assertEquals(Map.of("slow", "READY", "idle", "UNAVAILABLE", "new", "READY"), states(t));
        assertEquals(200, queued.get().statusCode(), "the queued request was served, not dropped");
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void whenOnlyBusyModelsCouldMakeRoomTheLoadFailsNamingTheBudget() throws Exception {
    model("slow", "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 3000000 }");
    model("slow2", "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 3000000 }");
    model("new", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.EXPLICIT, "slow", "slow2")) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        for (String m : List.of("slow", "slow2")) {
          queued.add(CompletableFuture.supplyAsync(() -> {
            try {
              return infer(t, m);
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          }, pool));
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while ((t.server.repository().find("slow", "1").inFlight() == 0
            || t.server.repository().find("slow2", "1").inFlight() == 0) && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        HttpResponse<String> r = t.post("/v2/repository/models/new/load", "");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("new") && r.body().contains("cpu"), r.body());
        assertEquals("READY", states(t).get("slow"));
        for (CompletableFuture<HttpResponse<String>> q : queued) {
          assertEquals(200, q.get().statusCode());
        }
        t.assertReady();
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void onDemandControlReloadsAnEvictedModelWhenARequestNeedsIt() throws Exception {
    model("a", "dynamic_batching { }");
    model("b", "dynamic_batching { }");
    model("c", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.ON_DEMAND)) {
      assertEquals(Map.of("a", "UNAVAILABLE", "b", "UNAVAILABLE", "c", "UNAVAILABLE"), states(t));
      // Each first request loads its model; the third evicts the least recently used (a).
      for (String m : List.of("a", "b", "c")) {
        HttpResponse<String> r = infer(t, m);
        assertEquals(200, r.statusCode(), r.body());
      }
      assertEquals(Map.of("a", "UNAVAILABLE", "b", "READY", "c", "READY"), states(t));
      long t0 = System.nanoTime();
      HttpResponse<String> again = infer(t, "a");
      long reloadMicros = (System.nanoTime() - t0) / 1000;
      assertEquals(200, again.statusCode(), again.body());
      assertEquals(Map.of("a", "READY", "b", "UNAVAILABLE", "c", "READY"), states(t));
      System.out.printf("on-demand reload of an evicted model, request to response: %d us%n", reloadMicros);

      // Many requests for an evicted model at once cause one load and are all answered.
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          burst.add(CompletableFuture.supplyAsync(() -> {
            try {
              return infer(t, "b");
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          }, pool));
        }
        for (CompletableFuture<HttpResponse<String>> f : burst) {
          assertEquals(200, f.get().statusCode());
        }
      } finally {
        pool.shutdownNow();
      }
      PromText p = new PromText(t.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
          "http://127.0.0.1:" + t.server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body());
      assertEquals(2, p.value("hadron_model_loads_total", "model", "b", "version", "1", "outcome", "ready"));
      assertEquals(404, infer(t, "nope").statusCode());
      // A model directory added while the server runs is found by the first request for it.
      model("d", "dynamic_batching { }");
      HttpResponse<String> added = infer(t, "d");
      assertEquals(200, added.statusCode(), added.body());
      assertEquals("READY", states(t).get("d"));
      t.assertReady();
    }
  }

  @Test
  void theRepositoryRpcsIndexLoadAndUnload() throws Exception {
    model("a", "dynamic_batching { }");
    try (TestServer t = start(ModelControl.EXPLICIT);
        GrpcTestClient grpc = new GrpcTestClient(t.server.grpcPort())) {
      RepositoryIndexResponse index = grpc.call("RepositoryIndex", RepositoryIndexRequest.getDefaultInstance(),
          RepositoryIndexResponse.parser()).ok();
      assertEquals("a", index.getModels(0).getName());
      assertEquals("UNAVAILABLE", index.getModels(0).getState());
      grpc.call("RepositoryModelLoad", RepositoryModelLoadRequest.newBuilder().setModelName("a").build(),
          RepositoryModelLoadResponse.parser()).ok();
      assertEquals("READY", grpc.call("RepositoryIndex", RepositoryIndexRequest.newBuilder().setReady(true).build(),
          RepositoryIndexResponse.parser()).ok().getModels(0).getState());
      grpc.call("RepositoryModelUnload", RepositoryModelUnloadRequest.newBuilder().setModelName("a").build(),
          RepositoryModelUnloadResponse.parser()).ok();
      assertEquals(0, grpc.call("RepositoryIndex", RepositoryIndexRequest.newBuilder().setReady(true).build(),
          RepositoryIndexResponse.parser()).ok().getModelsCount());
      assertEquals(GrpcStatus.NOT_FOUND, grpc.call("RepositoryModelLoad",
          RepositoryModelLoadRequest.newBuilder().setModelName("nope").build(),
          RepositoryModelLoadResponse.parser()).status());
      assertEquals(GrpcStatus.INVALID_ARGUMENT, grpc.call("RepositoryModelLoad",
          RepositoryModelLoadRequest.getDefaultInstance(), RepositoryModelLoadResponse.parser()).status());
    }
  }
}
