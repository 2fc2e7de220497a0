package io.hadron.server;

import static io.hadron.server.BinaryBodies.HEADER_LENGTH;
import static io.hadron.server.BinaryBodies.body;
import static io.hadron.server.BinaryBodies.headerLength;
import static io.hadron.server.BinaryBodies.input;
import static io.hadron.server.BinaryBodies.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.BinaryBodies.Reply;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary tensor data extension over a real socket, with requests shaped as Triton's clients
 * shape them: no Content-Type, the JSON header length in {@code Inference-Header-Content-Length},
 * binary chunks in input order, binary outputs asked per output or for all.
 */
class BinaryTensorDataTest {
  /** Every datatype ONNX Runtime's Java API can feed; UINT16..64 are output-only there. */
  static final List<DataType> FEEDABLE = List.of(DataType.BOOL, DataType.UINT8, DataType.INT8, DataType.INT16,
      DataType.INT32, DataType.INT64, DataType.FP16, DataType.BF16, DataType.FP32, DataType.FP64, DataType.BYTES);

  @TempDir static Path repo;
  static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    write("simple", SimpleModels.tritonSimple());
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    for (DataType type : FEEDABLE) {
      write(identity(type), SimpleModels.identity(type));
    }
    write("unsigned", unsignedCasts());
    // A name that must be percent-encoded in a URL.
    write("my model+1", SimpleModels.identity(DataType.FP32));
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo).withMaxRequestBytes(4 << 20));
  }

  private static void write(String model, byte[] onnx) throws Exception {
    Files.createDirectories(repo.resolve(model).resolve("1"));
    Files.write(repo.resolve(model).resolve("1/model.onnx"), onnx);
  }

  static String identity(DataType type) {
    return "identity_" + type.name().toLowerCase(Locale.ROOT);
  }

  /** INPUT INT32 [batch, n] cast to UINT16, UINT32 and UINT64 outputs. */
  static byte[] unsignedCasts() {
    GraphBuilder g = GraphBuilder.named("unsigned").irVersion(8).opset("", 13)
        .input("INPUT", DataType.INT32, "batch", "n");
    // ONNX element type numbers: UINT16 = 4, UINT32 = 12, UINT64 = 13.
    long[] onnx = {4, 12, 13};
    DataType[] types = {DataType.UINT16, DataType.UINT32, DataType.UINT64};
    for (int i = 0; i < 3; i++) {
      g.node("Cast", List.of("INPUT"), List.of(types[i].name()), GraphBuilder.attr("to", onnx[i]))
          .output(types[i].name(), types[i], "batch", "n");
    }
    return OnnxModels.toBytes(g.build());
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  /** Every bad request here must leave the server ready. */
  @AfterEach
  void serverStaysReady() throws Exception {
    t.assertReady();
  }

  private static Reply post(String model, byte[] body, String... headers) throws Exception {
    return Reply.of(t.postBytes("/v2/models/" + model + "/infer", body, headers));
  }

  private static Reply binary(String model, String json, byte[]... chunks) throws Exception {
    return post(model, body(json, chunks), HEADER_LENGTH, headerLength(json));
  }

  private static void assertError(Reply r, int status, String fragment) {
    assertEquals(status, r.status(), r.header().encode());
    String error = r.header().getString("error");
    assertTrue(error != null && error.contains(fragment), "expected '" + fragment + "' in " + r.header());
  }

  private static String simpleJson(String inputs, String rest) {
    return "{\"inputs\":[" + inputs + "]" + rest + "}";
  }

  private static final byte[] IN0 = ints(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  private static final byte[] IN1 = ints(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10);

  private static String simpleBinaryInputs() {
    return input("INPUT0", "INT32", "[1,16]", 64) + "," + input("INPUT1", "INT32", "[1,16]", 64);
  }

  @Test
  void everyFeedableDatatypeRoundTripsInBinary() throws Exception {
    for (DataType type : FEEDABLE) {
      byte[] data = BinaryBodies.sample(type);
      String json = simpleJson(input("INPUT", type.wireName(), "[1,3]", data.length),
          ",\"outputs\":[{\"name\":\"OUTPUT\",\"parameters\":{\"binary_data\":true}}]");
      Reply r = binary(identity(type), json, data);
      assertEquals(200, r.status(), type + ": " + r.header());
      assertEquals("application/octet-stream", r.contentType(), type.toString());
      assertEquals(type.wireName(), r.output("OUTPUT").getString("datatype"));
      assertEquals(List.of(1L, 3L), r.shape("OUTPUT"));
      assertEquals(data.length, r.output("OUTPUT").getJsonObject("parameters").getInteger("binary_data_size"));
      assertFalse(r.output("OUTPUT").containsKey("data"), type.toString());
      assertArrayEquals(data, r.binary("OUTPUT"), type.toString());
      r.assertComplete();
    }
  }

  @Test
  void fp16AndBf16BinaryInputsComeBackAsJsonNumbersWhenAsked() throws Exception {
    for (DataType type : List.of(DataType.FP16, DataType.BF16)) {
      byte[] data = BinaryBodies.sample(type);
      Reply r = binary(identity(type), simpleJson(input("INPUT", type.wireName(), "[1,3]", data.length), ""), data);
      assertEquals(200, r.status(), r.header().encode());
      assertEquals("application/json", r.contentType());
      assertEquals(-1, r.headerLength());
      assertEquals(new JsonArray(List.of(0.5, 1.5, -2.5)), r.output("OUTPUT").getJsonArray("data"), type.toString());
    }
  }

  @Test
  void unsignedOutputsComeBackInBinaryAndJson() throws Exception {
    String json = simpleJson("{\"name\":\"INPUT\",\"datatype\":\"INT32\",\"shape\":[1,2],\"data\":[7,65535]}",
        ",\"parameters\":{\"binary_data_output\":true},\"outputs\":[{\"name\":\"UINT16\"},{\"name\":\"UINT32\"},"
            + "{\"name\":\"UINT64\",\"parameters\":{\"binary_data\":false}}]");
    // A JSON-only request body may still ask for binary outputs.
    Reply r = post("unsigned", json.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.status(), r.header().encode());
    ByteBuffer u16 = ByteBuffer.wrap(r.binary("UINT16")).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(7, Short.toUnsignedInt(u16.getShort()));
    assertEquals(65535, Short.toUnsignedInt(u16.getShort()));
    assertArrayEquals(ints(7, 65535), r.binary("UINT32"));
    assertEquals(new JsonArray(List.of(7, 65535)), r.output("UINT64").getJsonArray("data"));
    r.assertComplete();
  }

  @Test
  void binaryDataOutputAppliesToAllAndThePerOutputSettingWins() throws Exception {
    String json = simpleJson(simpleBinaryInputs(), ",\"id\":\"b1\",\"parameters\":{\"binary_data_output\":true},"
        + "\"outputs\":[{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}},{\"name\":\"OUTPUT0\"}]");
    Reply r = binary("simple", json, IN0, IN1);
    assertEquals(200, r.status(), r.header().encode());
    assertEquals("b1", r.header().getString("id"));
    JsonArray outputs = r.header().getJsonArray("outputs");
    assertEquals("OUTPUT1", outputs.getJsonObject(0).getString("name"), "requested order");
    assertEquals(-9, r.output("OUTPUT1").getJsonArray("data").getInteger(0), "1 - 10 as JSON");
    assertArrayEquals(ints(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26), r.binary("OUTPUT0"));
    r.assertComplete();
    // No outputs named and binary_data_output: every output binary, in model order (tritonclient's default).
    Reply all = binary("simple", simpleJson(simpleBinaryInputs(), ",\"parameters\":{\"binary_data_output\":true}"),
        IN0, IN1);
    assertEquals(List.of("OUTPUT0", "OUTPUT1"),
        all.header().getJsonArray("outputs").stream().map(o -> ((JsonObject) o).getString("name")).toList());
    assertEquals(64 + 64 + all.headerLength(), all.body().length);
  }

  @Test
  void jsonAndBinaryInputsMix() throws Exception {
    StringBuilder data = new StringBuilder("[");
    for (int i = 1; i <= 16; i++) {
      data.append(i).append(i < 16 ? "," : "]");
    }
    String json = simpleJson("{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":" + data + "},"
        + input("INPUT1", "INT32", "[1,16]", 64), ",\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}}]");
    Reply r = binary("simple", json, IN1);
    assertEquals(200, r.status(), r.header().encode());
    assertArrayEquals(ints(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26), r.binary("OUTPUT0"));
    // Binary in, JSON out: no binary output asked for, so a plain JSON response.
    Reply plain = binary("simple", simpleJson(simpleBinaryInputs(), ""), IN0, IN1);
    assertEquals("application/json", plain.contentType());
    assertEquals(11, plain.output("OUTPUT0").getJsonArray("data").getInteger(0));
  }

  @Test
  void aRawBodyFeedsTheOnlyInputWithItsShapeDeduced() throws Exception {
    byte[] floats = BinaryBodies.floats(1, 2, 3, 4, 5);
    Reply r = post(identity(DataType.FP32), floats, HEADER_LENGTH, "0");
    assertEquals(200, r.status(), r.header().encode());
    assertEquals(List.of(1L, 5L), r.shape("OUTPUT"), "batch of one, open dimension from the byte size");
    assertArrayEquals(floats, r.binary("OUTPUT"), "every output binary");
    byte[] strings = BinaryBodies.bytesElements("x", "yz");
    Reply s = post(identity(DataType.BYTES), strings, HEADER_LENGTH, "0");
    assertEquals(List.of(1L, 2L), s.shape("OUTPUT"));
    assertArrayEquals(strings, s.binary("OUTPUT"));
    assertError(post("simple", IN0, HEADER_LENGTH, "0"), 400, "needs a model with exactly one input");
    assertError(post(identity(DataType.FP32), new byte[] {1, 2, 3}, HEADER_LENGTH, "0"), 400,
        "not a whole multiple");
    assertError(post(identity(DataType.BYTES), new byte[] {9, 0, 0, 0, 1}, HEADER_LENGTH, "0"), 400,
        "BYTES element 0 claims 9 bytes");
    assertError(post("nope", floats, HEADER_LENGTH, "0"), 404, "unknown model 'nope'");
  }

  @Test
  void inconsistentSizesAre400() throws Exception {
    String wrongSize = simpleJson(input("INPUT0", "INT32", "[1,16]", 60) + "," + input("INPUT1", "INT32", "[1,16]", 64), "");
    assertError(binary("simple", wrongSize, IN0, IN1), 400,
        "input 'INPUT0': binary_data_size 60 does not match shape [1,16] of INT32, which needs 64 bytes");
    String json = simpleJson(simpleBinaryInputs(), "");
    assertError(post("simple", body(json, IN0, IN1), HEADER_LENGTH, "100000"), 400,
        "Inference-Header-Content-Length 100000 is larger than the request body");
    assertError(binary("simple", json, IN0, IN1, new byte[] {1, 2, 3}), 400,
        "3 bytes of binary data are left over after the last binary input");
    assertError(binary("simple", json, IN0), 400,
        "input 'INPUT1': binary_data_size 64 runs past the end of the request body; only 0 bytes");
    assertError(post("simple", body(json, IN0, IN1)), 400, "no Inference-Header-Content-Length header");
    assertError(post("simple", body(json, IN0, IN1), HEADER_LENGTH, "-4"), 400,
        "Inference-Header-Content-Length must be a non-negative integer, got '-4'");
    assertError(post("simple", body(json, IN0, IN1), HEADER_LENGTH, "12x"), 400, "got '12x'");
    String plainJson = simpleJson("{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[1]}", "");
    assertError(binary("simple", plainJson, new byte[] {7}), 400,
        "1 bytes of binary data are left over after the JSON header, but no input declares binary_data_size");
    String both = simpleJson("{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[1],"
        + "\"parameters\":{\"binary_data_size\":4}}", "");
    assertError(binary("simple", both, IN0), 400, "has both 'data' and binary_data_size");
    String negative = simpleJson(input("INPUT0", "INT32", "[1,16]", -1), "");
    assertError(binary("simple", negative), 400, "'binary_data_size' must be a non-negative integer, got -1");
    String badBytes = simpleJson(input("INPUT", "BYTES", "[1,2]", 9), "");
    assertError(binary(identity(DataType.BYTES), badBytes, BinaryBodies.bytesElements("a", "b")), 400,
        "BYTES element 1 claims");
    assertError(binary(identity(DataType.BYTES), badBytes, new byte[] {1, 0, 0, 0, 65, 9, 0, 0, 0}), 400,
        "BYTES element 1 claims 9 bytes but only 0 remain");
  }

  @Test
  void unsupportedOutputParametersAreRefusedByName() throws Exception {
    String classification = simpleJson(simpleBinaryInputs(),
        ",\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"classification\":3}}]");
    assertError(binary("simple", classification, IN0, IN1), 501, "'classification'");
    String notBoolean = simpleJson(simpleBinaryInputs(),
        ",\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":\"yes\"}}]");
    assertError(binary("simple", notBoolean, IN0, IN1), 400, "'binary_data' must be true or false, got yes");
    String shm = simpleJson("{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],"
        + "\"parameters\":{\"shared_memory_region\":\"r\"}}", "");
    assertError(post("simple", shm.getBytes(StandardCharsets.UTF_8)), 501, "'shared_memory_region'");
    String mismatch = "{\"model_name\":\"other\"," + simpleJson(simpleBinaryInputs(), "").substring(1);
    assertError(binary("simple", mismatch, IN0, IN1), 400, "'model_name' is 'other' but the URL addresses 'simple'");
  }

  @Test
  void gzipAndDeflateBodiesAreInflated() throws Exception {
    String json = simpleJson(simpleBinaryInputs(), ",\"parameters\":{\"binary_data_output\":true}");
    byte[] plain = body(json, IN0, IN1);
    for (String encoding : List.of("gzip", "deflate")) {
      ByteArrayOutputStream packed = new ByteArrayOutputStream();
      try (var z = encoding.equals("gzip") ? new GZIPOutputStream(packed) : new DeflaterOutputStream(packed)) {
        z.write(plain);
      }
      Reply r = post("simple", packed.toByteArray(), HEADER_LENGTH, headerLength(json), "Content-Encoding", encoding);
      assertEquals(200, r.status(), encoding + ": " + r.header());
      assertArrayEquals(ints(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26), r.binary("OUTPUT0"));
    }
    assertError(post("simple", plain, HEADER_LENGTH, headerLength(json), "Content-Encoding", "br"), 400,
        "Content-Encoding 'br' is not supported");
  }

  @Test
  void aBinaryBodyOverTheLimitIs413() throws Exception {
    byte[] big = new byte[(4 << 20) + 1];
    HttpResponse<byte[]> r = t.postBytes("/v2/models/simple/infer", big, HEADER_LENGTH, "10");
    assertEquals(413, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("exceeds the limit of 4194304 bytes"));
  }

  @Test
  void percentEncodedModelNamesAndStrayQueryStringsAreServed() throws Exception {
    assertEquals(200, t.get("/v2/models/my%20model%2B1/ready").statusCode());
    HttpResponse<String> meta = t.get("/v2/models/my%20model%2B1?verbose=1");
    assertTrue(meta.body().contains("\"name\":\"my model+1\""), meta.body());
    String json = simpleJson(input("INPUT", "FP32", "[1,2]", 8), "");
    Reply r = Reply.of(t.postBytes("/v2/models/my%20model%2B1/versions/1/infer?trace=on",
        body(json, BinaryBodies.floats(1, 2)), HEADER_LENGTH, headerLength(json)));
    assertEquals(200, r.status(), r.header().encode());
    assertEquals("my model+1", r.header().getString("model_name"));
    assertEquals(200, t.get("/v2/health/ready?x=y").statusCode());
  }

  @Test
  void serverMetadataAdvertisesTheExtension() throws Exception {
    JsonObject meta = new JsonObject(t.get("/v2").body());
    assertTrue(meta.getJsonArray("extensions").contains("binary_tensor_data"), meta.encode());
  }

  @Test
  void rejectedBodiesLeaveNoDirectMemoryBehind() throws Exception {
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
    String json = simpleJson(simpleBinaryInputs(), "");
    // Each body is 1 MiB of data that no input claims, so every request is refused after reading.
    byte[] body = body(json, new byte[1 << 20]);
    long before = settled(direct);
    for (int i = 0; i < 64; i++) {
      assertEquals(400, t.postBytes("/v2/models/simple/infer", body, HEADER_LENGTH, headerLength(json)).statusCode());
    }
    long after = settled(direct);
    assertTrue(after - before < 16 << 20, "direct memory grew by " + (after - before) + " bytes over 64 MiB of refused bodies");
  }

  /** Direct memory in use once unreachable buffers have been collected and their memory freed. */
  private static long settled(BufferPoolMXBean direct) throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 20; i++) {
      System.gc();
      Thread.sleep(50);
      long now = direct.getMemoryUsed();
      if (now >= used) {
        return now;
      }
      used = now;
    }
    return used;
  }
}
