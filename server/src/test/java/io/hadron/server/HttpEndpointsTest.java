package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.repository.BundledModels;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KServe v2 HTTP endpoints over a real socket, against a repository with good and broken models. */
class HttpEndpointsTest {
  @TempDir static Path repo;
  static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    Files.createDirectories(repo.resolve("simple/1"));
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    Files.write(repo.resolve("simple/1/model.onnx"), SimpleModels.tritonSimple());
    // Version 2 of a model with no config: completed from the ONNX file itself.
    Files.createDirectories(repo.resolve("auto/2"));
    Files.write(repo.resolve("auto/2/model.onnx"), SimpleModels.tritonSimple());
    Files.createDirectories(repo.resolve("broken/1"));
    Files.writeString(repo.resolve("broken/config.pbtxt"), "name: \"broken\"\nmax_batch_size: [ oops");
    Files.write(repo.resolve("broken/1/model.onnx"), SimpleModels.tritonSimple());
    Files.createDirectories(repo.resolve("garbage/1"));
    Files.write(repo.resolve("garbage/1/model.onnx"), "not an onnx model".getBytes(StandardCharsets.UTF_8));
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo).withMaxRequestBytes(1 << 20));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  /** Every bad request above must leave the server ready. */
  @AfterEach
  void serverStaysReady() throws Exception {
    t.assertReady();
    assertEquals(200, t.get("/v2/models/simple/ready").statusCode());
  }

  private static String ints(int from, int n) {
    return IntStream.range(from, from + n).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
  }

  private static String simpleRequest(String extra) {
    return "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(0, 16) + "},"
        + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(100, 16) + "}]" + extra + "}";
  }

  private static void assertError(HttpResponse<String> r, int status, String fragment) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("{\"error\":"), r.body());
    assertTrue(r.body().contains(fragment), "expected '" + fragment + "' in " + r.body());
  }

  @Test
  void healthAndServerMetadataAnswer() throws Exception {
    assertEquals(200, t.get("/v2/health/live").statusCode());
    HttpResponse<String> meta = t.get("/v2");
    assertEquals(200, meta.statusCode());
    assertTrue(meta.body().contains("\"name\":\"hadron\""), meta.body());
    assertTrue(meta.body().contains("\"extensions\""), meta.body());
  }

  @Test
  void modelMetadataShowsTheBatchDimension() throws Exception {
    HttpResponse<String> r = t.get("/v2/models/simple");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"name\":\"simple\",\"versions\":[\"1\"],\"platform\":\"onnxruntime_onnx\","
        + "\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}],"
        + "\"outputs\":[{\"name\":\"OUTPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
        + "{\"name\":\"OUTPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}]}", r.body());
    assertEquals(200, t.get("/v2/models/simple/versions/1").statusCode());
  }

  @Test
  void aModelWithoutConfigIsCompletedFromItsOnnxFile() throws Exception {
    assertEquals(200, t.get("/v2/models/auto/versions/2/ready").statusCode());
    HttpResponse<String> r = t.get("/v2/models/auto");
    assertTrue(r.body().contains("\"versions\":[\"2\"]"), r.body());
    assertTrue(r.body().contains("{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]}"), r.body());
    HttpResponse<String> infer = t.post("/v2/models/auto/infer", simpleRequest(""));
    assertEquals(200, infer.statusCode(), infer.body());
    assertTrue(infer.body().contains("\"model_version\":\"2\""), infer.body());
  }

  @Test
  void simpleReturnsSumsAndDifferencesWithTheIdEchoed() throws Exception {
    HttpResponse<String> r = t.post("/v2/models/simple/infer", simpleRequest(",\"id\":\"req-7\""));
    assertEquals(200, r.statusCode(), r.body());
    String sums = IntStream.range(0, 16).map(i -> i + i + 100).mapToObj(Integer::toString)
        .collect(Collectors.joining(",", "[", "]"));
    assertEquals("{\"model_name\":\"simple\",\"model_version\":\"1\",\"id\":\"req-7\",\"outputs\":["
        + "{\"name\":\"OUTPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":" + sums + "},"
        + "{\"name\":\"OUTPUT1\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":"
        + IntStream.range(0, 16).mapToObj(i -> "-100").collect(Collectors.joining(",", "[", "]")) + "}]}", r.body());
  }

  @Test
  void requestedOutputsComeBackInRequestedOrder() throws Exception {
    HttpResponse<String> r = t.post("/v2/models/simple/versions/1/infer",
        simpleRequest(",\"outputs\":[{\"name\":\"OUTPUT1\"},{\"name\":\"OUTPUT0\",\"parameters\":{\"x\":1}}]"));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().indexOf("OUTPUT1") < r.body().indexOf("OUTPUT0"), r.body());
    HttpResponse<String> one = t.post("/v2/models/simple/infer", simpleRequest(",\"outputs\":[{\"name\":\"OUTPUT1\"}]"));
    assertTrue(!one.body().contains("OUTPUT0"), one.body());
  }

  @Test
  void malformedJsonIs400() throws Exception {
    assertError(t.post("/v2/models/simple/infer", "{\"inputs\": [ {"), 400, "malformed JSON");
    assertError(t.post("/v2/models/simple/infer", ""), 400, "request body is empty");
  }

  @Test
  void unknownModelOrVersionIs404() throws Exception {
    assertError(t.post("/v2/models/nope/infer", simpleRequest("")), 404, "unknown model 'nope'");
    assertError(t.post("/v2/models/simple/versions/9/infer", simpleRequest("")), 404, "unknown version '9'");
    assertError(t.post("/v2/models/simple/versions/x/infer", simpleRequest("")), 404, "unknown version 'x'");
    assertError(t.get("/v2/models/nope"), 404, "unknown model");
    assertEquals(404, t.get("/v2/models/nope/ready").statusCode());
    assertEquals(404, t.get("/v2/models/simple/versions/3/ready").statusCode());
  }

  @Test
  void missingUnknownAndMistypedInputsAre400() throws Exception {
    assertError(t.post("/v2/models/simple/infer",
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(0, 16) + "}]}"),
        400, "missing input 'INPUT1'");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replace("\"INPUT1\"", "\"INPUT9\"")),
        400, "unknown input 'INPUT9'");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replace("\"INT32\"", "\"FP32\"")),
        400, "datatype FP32 does not match the model's INT32");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replace("\"INPUT1\"", "\"INPUT0\"")),
        400, "duplicate input 'INPUT0'");
  }

  @Test
  void shapeProblemsAre400() throws Exception {
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replaceFirst("\\[1,16\\]", "[1,15]")),
        400, "data has more than the 15 elements its shape holds");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replaceFirst("\\[1,16\\]", "[1,17]")),
        400, "has 16 elements but shape [1,17] needs 17");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replace("[1,16]", "[2,8]")),
        400, "does not match the model's [-1,16]");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replaceFirst("\\[1,16\\]", "[-1,16]")),
        400, "negative");
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replaceFirst("\\[1,16\\]", "[1,16.0]")),
        400, "non-negative integer");
    String nine = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[9,16],\"datatype\":\"INT32\",\"data\":" + ints(0, 144)
        + "},{\"name\":\"INPUT1\",\"shape\":[9,16],\"datatype\":\"INT32\",\"data\":" + ints(0, 144) + "}]}";
    assertError(t.post("/v2/models/simple/infer", nine), 400, "batch size 9 is outside 1..8");
  }

  @Test
  void dataOfTheWrongJsonTypeIs400() throws Exception {
    assertError(t.post("/v2/models/simple/infer", simpleRequest("").replaceFirst("\\[0,1,", "[\"0\",1,")),
        400, "element 0 is a string, but INT32 data needs an integer");
  }

  @Test
  void duplicateOrUnknownRequestedOutputsAre400() throws Exception {
    assertError(t.post("/v2/models/simple/infer",
        simpleRequest(",\"outputs\":[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT0\"}]")), 400,
        "duplicate requested output 'OUTPUT0'");
    assertError(t.post("/v2/models/simple/infer", simpleRequest(",\"outputs\":[{\"name\":\"OUT\"}]")), 400,
        "unknown output 'OUT'");
  }

  @Test
  void bodiesOverTheLimitAre413() throws Exception {
    byte[] big = new byte[(1 << 20) + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    assertError(t.post("/v2/models/simple/infer", big), 413, "exceeds the limit");
  }

  @Test
  void wrongMethodIs405() throws Exception {
    assertError(t.send("GET", "/v2/models/simple/infer"), 405, "not allowed");
    assertError(t.send("DELETE", "/v2/health/ready"), 405, "not allowed");
  }

  @Test
  void aBrokenConfigLeavesThatModelNotReadyWithTheReason() throws Exception {
    HttpResponse<String> r = t.get("/v2/models/broken/ready");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("config.pbtxt"), r.body());
    assertError(t.post("/v2/models/broken/infer", simpleRequest("")), 503, "config.pbtxt");
    HttpResponse<String> garbage = t.get("/v2/models/garbage/versions/1/ready");
    assertEquals(400, garbage.statusCode(), garbage.body());
    assertTrue(garbage.body().contains("model.onnx"), garbage.body());
  }
}
