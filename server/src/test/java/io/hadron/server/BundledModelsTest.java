package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled default repository, served end to end: what the README's curl examples do. */
class BundledModelsTest {
  @TempDir static Path dir;
  static TestServer t;
  static Path repo;

  @BeforeAll
  static void start() throws Exception {
    repo = BundledModels.materialize(dir.resolve("bundled"));
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  @Test
  void everyBundledModelIsReady() throws Exception {
    t.assertReady();
    for (String m : new String[] {"simple", "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q"}) {
      assertEquals(200, t.get("/v2/models/" + m + "/ready").statusCode(), m);
    }
  }

  @Test
  void miniLmMetadataIsCompletedFromTheOnnxFile() throws Exception {
    JsonObject meta = new JsonObject(t.get("/v2/models/all-MiniLM-L6-v2").body());
    assertEquals(3, meta.getJsonArray("inputs").size());
    JsonObject out = meta.getJsonArray("outputs").getJsonObject(0);
    assertEquals("last_hidden_state", out.getString("name"));
    assertEquals(new JsonArray().add(-1).add(-1).add(384), out.getJsonArray("shape"));
  }

  @Test
  void miniLmServedEqualsOnnxRuntimeRunDirectly() throws Exception {
    long[] ids = {101, 7592, 1010, 2088, 999, 2023, 2003, 1037, 3231, 102};
    int len = ids.length;
    String idsJson = java.util.Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    String ones = IntStream.range(0, len).mapToObj(i -> "1").collect(Collectors.joining(",", "[", "]"));
    String zeros = IntStream.range(0, len).mapToObj(i -> "0").collect(Collectors.joining(",", "[", "]"));
    String body = "{\"inputs\":["
        + "{\"name\":\"input_ids\",\"shape\":[1," + len + "],\"datatype\":\"INT64\",\"data\":" + idsJson + "},"
        + "{\"name\":\"attention_mask\",\"shape\":[1," + len + "],\"datatype\":\"INT64\",\"data\":" + ones + "},"
        + "{\"name\":\"token_type_ids\",\"shape\":[1," + len + "],\"datatype\":\"INT64\",\"data\":" + zeros + "}]}";
    HttpResponse<String> r = t.post("/v2/models/all-MiniLM-L6-v2/infer", body);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0);
    assertEquals("last_hidden_state", out.getString("name"));
    assertEquals(new JsonArray().add(1).add(len).add(384), out.getJsonArray("shape"));
    JsonArray served = out.getJsonArray("data");

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] mask = new long[len];
    java.util.Arrays.fill(mask, 1);
    try (OrtSession s = env.createSession(repo.resolve("all-MiniLM-L6-v2/1/model.onnx").toString());
        OnnxTensor a = OnnxTensor.createTensor(env, new long[][] {ids});
        OnnxTensor b = OnnxTensor.createTensor(env, new long[][] {mask});
        OnnxTensor c = OnnxTensor.createTensor(env, new long[1][len]);
        OrtSession.Result res = s.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
      FloatBuffer direct = ((OnnxTensor) res.get("last_hidden_state").orElseThrow()).getFloatBuffer();
      assertEquals(direct.remaining(), served.size());
      double maxErr = 0;
      for (int i = 0; i < served.size(); i++) {
        maxErr = Math.max(maxErr, Math.abs(served.getDouble(i) - direct.get(i)));
      }
      assertTrue(maxErr <= 1e-5, "max abs error " + maxErr);
    }
  }

  @Test
  void simpleAddsAndSubtracts() throws Exception {
    String a = IntStream.range(0, 16).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    String body = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + a + "},"
        + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + a + "}]}";
    JsonObject r = new JsonObject(t.post("/v2/models/simple/infer", body).body());
    JsonArray sum = r.getJsonArray("outputs").getJsonObject(0).getJsonArray("data");
    JsonArray diff = r.getJsonArray("outputs").getJsonObject(1).getJsonArray("data");
    for (int i = 0; i < 16; i++) {
      assertEquals(2 * i, sum.getInteger(i));
      assertEquals(0, diff.getInteger(i));
    }
  }
}
