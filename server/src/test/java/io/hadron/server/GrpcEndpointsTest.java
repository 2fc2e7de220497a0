package io.hadron.server;

import static io.hadron.server.BinaryBodies.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.hadron.core.DataType;
import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.GrpcTestClient.Result;
import io.hadron.server.config.proto.TritonConfig;
import io.hadron.server.grpc.proto.GrpcService.InferParameter;
import io.hadron.server.grpc.proto.GrpcService.InferTensorContents;
import io.hadron.server.grpc.proto.GrpcService.ModelConfigRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelConfigResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import io.hadron.server.grpc.proto.GrpcService.ModelInferResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelMetadataRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelMetadataResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelReadyRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelReadyResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelStatisticsRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelStatisticsResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerLiveRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerLiveResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerMetadataRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerMetadataResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerReadyRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerReadyResponse;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every RPC of the KServe v2 gRPC service over a real socket, with a client built from the same proto. */
class GrpcEndpointsTest {
  @TempDir static Path repo;
  static TestServer t;
  static GrpcTestClient grpc;

  @BeforeAll
  static void start() throws Exception {
    write("simple", SimpleModels.tritonSimple());
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    for (DataType type : List.of(DataType.FP16, DataType.BF16, DataType.BYTES, DataType.BOOL, DataType.INT8,
        DataType.UINT8, DataType.FP64)) {
      write(BinaryTensorDataTest.identity(type), SimpleModels.identity(type));
    }
    write("unsigned", BinaryTensorDataTest.unsignedCasts());
    write("broken", SimpleModels.tritonSimple());
    Files.writeString(repo.resolve("broken/config.pbtxt"), "name: \"broken\"\nmax_batch_size: [ oops");
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo).withGrpcMaxMessageBytes(1 << 20));
    grpc = new GrpcTestClient(t.server.grpcPort());
  }

  private static void write(String model, byte[] onnx) throws Exception {
    Files.createDirectories(repo.resolve(model).resolve("1"));
    Files.write(repo.resolve(model).resolve("1/model.onnx"), onnx);
  }

  @AfterAll
  static void stop() {
    if (grpc != null) {
      grpc.close();
    }
    if (t != null) {
      t.close();
    }
  }

  /** Every bad call here must leave the server ready, on both protocols. */
  @AfterEach
  void serverStaysReady() throws Exception {
    t.assertReady();
    assertTrue(grpc.call("ServerReady", ServerReadyRequest.getDefaultInstance(), ServerReadyResponse.parser())
        .ok().getReady());
  }

  private static void assertStatus(Result<?> r, GrpcStatus status, String fragment) {
    assertEquals(status, r.status(), r.message());
    assertTrue(r.message() != null && r.message().contains(fragment), "expected '" + fragment + "' in " + r.message());
  }

  private static InferInputTensor.Builder input(String name, String datatype, long... shape) {
    InferInputTensor.Builder b = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  private static Result<ModelInferResponse> infer(ModelInferRequest.Builder r) {
    return grpc.call("ModelInfer", r.build(), ModelInferResponse.parser());
  }

  private static final int[] A = IntStream.rangeClosed(1, 16).toArray();
  private static final int[] B = IntStream.range(0, 16).map(i -> 10).toArray();

  private static ModelInferRequest.Builder simpleRaw() {
    return ModelInferRequest.newBuilder().setModelName("simple")
        .addInputs(input("INPUT0", "INT32", 1, 16)).addInputs(input("INPUT1", "INT32", 1, 16))
        .addRawInputContents(ByteString.copyFrom(ints(A))).addRawInputContents(ByteString.copyFrom(ints(B)));
  }

  @Test
  void healthAndServerMetadata() {
    assertTrue(grpc.call("ServerLive", ServerLiveRequest.getDefaultInstance(), ServerLiveResponse.parser()).ok().getLive());
    ServerMetadataResponse meta =
        grpc.call("ServerMetadata", ServerMetadataRequest.getDefaultInstance(), ServerMetadataResponse.parser()).ok();
    assertEquals("hadron", meta.getName());
    assertFalse(meta.getVersion().isEmpty());
    assertTrue(meta.getExtensionsList().contains("binary_tensor_data"), meta.toString());
  }

  @Test
  void modelReadiness() {
    assertTrue(modelReady("simple", "").ok().getReady());
    assertTrue(modelReady("simple", "1").ok().getReady());
    assertFalse(modelReady("broken", "").ok().getReady(), "a model that failed to load is not ready");
    assertStatus(modelReady("nope", ""), GrpcStatus.NOT_FOUND, "unknown model 'nope'");
    assertStatus(modelReady("simple", "7"), GrpcStatus.NOT_FOUND, "unknown version '7'");
    assertStatus(modelReady("", ""), GrpcStatus.INVALID_ARGUMENT, "name is empty");
  }

  private static Result<ModelReadyResponse> modelReady(String name, String version) {
    return grpc.call("ModelReady", ModelReadyRequest.newBuilder().setName(name).setVersion(version).build(),
        ModelReadyResponse.parser());
  }

  @Test
  void modelMetadataShowsTheBatchDimension() {
    ModelMetadataResponse m = grpc.call("ModelMetadata", ModelMetadataRequest.newBuilder().setName("simple").build(),
        ModelMetadataResponse.parser()).ok();
    assertEquals("simple", m.getName());
    assertEquals(List.of("1"), m.getVersionsList());
    assertEquals("onnxruntime_onnx", m.getPlatform());
    assertEquals("INPUT0", m.getInputs(0).getName());
    assertEquals("INT32", m.getInputs(0).getDatatype());
    assertEquals(List.of(-1L, 16L), m.getInputs(0).getShapeList());
    assertEquals(List.of("OUTPUT0", "OUTPUT1"), m.getOutputsList().stream().map(o -> o.getName()).toList());
    assertStatus(grpc.call("ModelMetadata", ModelMetadataRequest.newBuilder().setName("broken").build(),
        ModelMetadataResponse.parser()), GrpcStatus.UNAVAILABLE, "config.pbtxt");
  }

  @Test
  void modelConfigIsTritonsSchema() {
    TritonConfig.ModelConfig c = grpc.call("ModelConfig", ModelConfigRequest.newBuilder().setName("simple").build(),
        ModelConfigResponse.parser()).ok().getConfig();
    assertEquals("simple", c.getName());
    assertEquals(8, c.getMaxBatchSize());
    assertEquals(TritonConfig.DataType.TYPE_INT32, c.getInput(0).getDataType());
    assertEquals(List.of(16L), c.getInput(0).getDimsList());
    assertEquals(1, c.getVersionPolicy().getLatest().getNumVersions());
    // Completed from the model file: the datatype of an auto-configured model.
    TritonConfig.ModelConfig bytes = grpc.call("ModelConfig", ModelConfigRequest.newBuilder()
        .setName("identity_bytes").setVersion("1").build(), ModelConfigResponse.parser()).ok().getConfig();
    assertEquals(TritonConfig.DataType.TYPE_STRING, bytes.getInput(0).getDataType());
    assertStatus(grpc.call("ModelConfig", ModelConfigRequest.newBuilder().setName("nope").build(),
        ModelConfigResponse.parser()), GrpcStatus.NOT_FOUND, "unknown model");
  }

  @Test
  void rawContentsInRawContentsOut() {
    ModelInferResponse r = infer(simpleRaw().setId("r-1")
        .putParameters("priority", InferParameter.newBuilder().setUint64Param(0).build())).ok();
    assertEquals("simple", r.getModelName());
    assertEquals("1", r.getModelVersion());
    assertEquals("r-1", r.getId());
    assertEquals(List.of("OUTPUT0", "OUTPUT1"), r.getOutputsList().stream().map(o -> o.getName()).toList());
    assertEquals("INT32", r.getOutputs(0).getDatatype());
    assertEquals(List.of(1L, 16L), r.getOutputs(0).getShapeList());
    assertFalse(r.getOutputs(0).hasContents(), "data travels raw only");
    assertArrayEquals(ints(IntStream.rangeClosed(11, 26).toArray()), r.getRawOutputContents(0).toByteArray());
    assertArrayEquals(ints(IntStream.rangeClosed(1, 16).map(i -> i - 10).toArray()),
        r.getRawOutputContents(1).toByteArray());
  }

  @Test
  void requestedOutputsComeBackInRequestedOrder() {
    ModelInferResponse r = infer(simpleRaw()
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT1"))).ok();
    assertEquals(1, r.getOutputsCount());
    assertEquals("OUTPUT1", r.getOutputs(0).getName());
    assertEquals(1, r.getRawOutputContentsCount());
  }

  @Test
  void typedContentsAreAccepted() {
    InferTensorContents.Builder a = InferTensorContents.newBuilder();
    InferTensorContents.Builder b = InferTensorContents.newBuilder();
    for (int i = 0; i < 16; i++) {
      a.addIntContents(A[i]);
      b.addIntContents(B[i]);
    }
    ModelInferResponse r = infer(ModelInferRequest.newBuilder().setModelName("simple")
        .addInputs(input("INPUT0", "INT32", 1, 16).setContents(a))
        .addInputs(input("INPUT1", "INT32", 1, 16).setContents(b))).ok();
    assertArrayEquals(ints(IntStream.rangeClosed(11, 26).toArray()), r.getRawOutputContents(0).toByteArray());

    ModelInferResponse s = infer(ModelInferRequest.newBuilder().setModelName("identity_bytes")
        .addInputs(input("INPUT", "BYTES", 1, 2).setContents(InferTensorContents.newBuilder()
            .addBytesContents(ByteString.copyFromUtf8("héllo")).addBytesContents(ByteString.EMPTY)))).ok();
    assertArrayEquals(BinaryBodies.bytesElements("héllo", ""), s.getRawOutputContents(0).toByteArray());

    assertArrayEquals(new byte[] {1, 0, 1}, infer(ModelInferRequest.newBuilder().setModelName("identity_bool")
        .addInputs(input("INPUT", "BOOL", 1, 3).setContents(InferTensorContents.newBuilder()
            .addBoolContents(true).addBoolContents(false).addBoolContents(true)))).ok()
        .getRawOutputContents(0).toByteArray());
    assertArrayEquals(new byte[] {-128, 127}, infer(ModelInferRequest.newBuilder().setModelName("identity_int8")
        .addInputs(input("INPUT", "INT8", 1, 2).setContents(InferTensorContents.newBuilder()
            .addIntContents(-128).addIntContents(127)))).ok().getRawOutputContents(0).toByteArray());
    assertArrayEquals(new byte[] {0, -1}, infer(ModelInferRequest.newBuilder().setModelName("identity_uint8")
        .addInputs(input("INPUT", "UINT8", 1, 2).setContents(InferTensorContents.newBuilder()
            .addUintContents(0).addUintContents(255)))).ok().getRawOutputContents(0).toByteArray());
    ByteBuffer fp64 = ByteBuffer.wrap(infer(ModelInferRequest.newBuilder().setModelName("identity_fp64")
        .addInputs(input("INPUT", "FP64", 1, 1).setContents(InferTensorContents.newBuilder().addFp64Contents(-0.25))))
        .ok().getRawOutputContents(0).toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(-0.25, fp64.getDouble());
  }

  @Test
  void fp16Bf16AndUnsignedTravelRaw() {
    for (DataType type : List.of(DataType.FP16, DataType.BF16)) {
      byte[] data = BinaryBodies.sample(type);
      ModelInferResponse r = infer(ModelInferRequest.newBuilder().setModelName(BinaryTensorDataTest.identity(type))
          .addInputs(input("INPUT", type.wireName(), 1, 3)).addRawInputContents(ByteString.copyFrom(data))).ok();
      assertEquals(type.wireName(), r.getOutputs(0).getDatatype());
      assertArrayEquals(data, r.getRawOutputContents(0).toByteArray());
      assertStatus(infer(ModelInferRequest.newBuilder().setModelName(BinaryTensorDataTest.identity(type))
              .addInputs(input("INPUT", type.wireName(), 1, 1).setContents(InferTensorContents.newBuilder()
                  .addFp32Contents(1)))), GrpcStatus.INVALID_ARGUMENT,
          type + " has no typed contents field; send it in raw_input_contents");
    }
    ModelInferResponse u = infer(ModelInferRequest.newBuilder().setModelName("unsigned")
        .addInputs(input("INPUT", "INT32", 1, 1)).addRawInputContents(ByteString.copyFrom(ints(-1)))).ok();
    assertEquals(List.of("UINT16", "UINT32", "UINT64"), u.getOutputsList().stream().map(o -> o.getDatatype()).toList());
    assertEquals(-1L, ByteBuffer.wrap(u.getRawOutputContents(2).toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getLong(),
        "INT32 -1 cast to UINT64 is 2^64 - 1");
  }

  @Test
  void rawAndTypedContentsNeverMix() {
    ModelInferRequest.Builder both = simpleRaw();
    both.setInputs(0, both.getInputs(0).toBuilder().setContents(InferTensorContents.newBuilder().addIntContents(1)));
    assertStatus(infer(both), GrpcStatus.INVALID_ARGUMENT,
        "input 'INPUT0' has typed contents, but the request also carries raw_input_contents");
    ModelInferRequest.Builder oneRaw = simpleRaw().clearRawInputContents()
        .addRawInputContents(ByteString.copyFrom(ints(A)));
    assertStatus(infer(oneRaw), GrpcStatus.INVALID_ARGUMENT,
        "raw_input_contents has 1 entries but the request has 2 inputs");
    ModelInferRequest.Builder shortData = simpleRaw().setRawInputContents(1, ByteString.copyFrom(new byte[60]));
    assertStatus(infer(shortData), GrpcStatus.INVALID_ARGUMENT,
        "input 'INPUT1': raw_input_contents[1] holds 60 bytes but shape [1,16] of INT32 needs 64");
    assertStatus(infer(ModelInferRequest.newBuilder().setModelName("simple")
        .addInputs(input("INPUT0", "INT32", 1, 16)).addInputs(input("INPUT1", "INT32", 1, 16))),
        GrpcStatus.INVALID_ARGUMENT, "input 'INPUT0' has no data");
    assertStatus(infer(ModelInferRequest.newBuilder().setModelName("simple")
        .addInputs(input("INPUT0", "INT32", 1, 2).setContents(InferTensorContents.newBuilder()
            .addFp32Contents(1).addFp32Contents(2)))),
        GrpcStatus.INVALID_ARGUMENT, "input 'INPUT0' is INT32, but its contents are in fp32_contents");
    assertStatus(infer(ModelInferRequest.newBuilder().setModelName("identity_int8")
        .addInputs(input("INPUT", "INT8", 1, 1).setContents(InferTensorContents.newBuilder().addIntContents(300)))),
        GrpcStatus.INVALID_ARGUMENT, "element 0 (300) is out of range for INT8");
    assertStatus(infer(ModelInferRequest.newBuilder().setModelName("identity_bytes")
        .addInputs(input("INPUT", "BYTES", 1, 1)).addRawInputContents(ByteString.copyFrom(new byte[] {5, 0, 0, 0}))),
        GrpcStatus.INVALID_ARGUMENT, "BYTES element 0 claims 5 bytes");
  }

  @Test
  void errorsMapToGrpcStatuses() {
    assertStatus(infer(simpleRaw().setModelName("nope")), GrpcStatus.NOT_FOUND, "unknown model 'nope'");
    assertStatus(infer(simpleRaw().setModelVersion("3")), GrpcStatus.NOT_FOUND, "unknown version '3'");
    assertStatus(infer(simpleRaw().setModelName("broken")), GrpcStatus.UNAVAILABLE, "config.pbtxt");
    assertStatus(infer(simpleRaw().setModelName("")), GrpcStatus.INVALID_ARGUMENT, "model_name is empty");
    ModelInferRequest.Builder wrongType = simpleRaw();
    wrongType.setInputs(1, wrongType.getInputs(1).toBuilder().setDatatype("FP32"));
    assertStatus(infer(wrongType), GrpcStatus.INVALID_ARGUMENT, "datatype FP32 does not match the model's INT32");
    assertStatus(infer(simpleRaw().addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
            .setName("OUTPUT0").putParameters("classification", InferParameter.newBuilder().setInt64Param(2).build()))),
        GrpcStatus.UNIMPLEMENTED, "'classification'");
    assertStatus(grpc.call(GrpcTestClient.TRITON, "ModelInfer", Buffer.buffer(new byte[] {10, 5, 1}),
        ModelInferResponse.parser(), r -> {}), GrpcStatus.INVALID_ARGUMENT, "malformed ModelInfer request message");
  }

  @Test
  void messagesOverTheLimitAreResourceExhausted() {
    ModelInferRequest.Builder big = simpleRaw().setRawInputContents(0, ByteString.copyFrom(new byte[(1 << 20) + 10]));
    assertStatus(infer(big), GrpcStatus.RESOURCE_EXHAUSTED, "exceeds the limit of 1048576 bytes");
  }

  @Test
  void aCallWithinItsDeadlineIsAnswered() {
    Result<ModelInferResponse> r = grpc.call(GrpcTestClient.TRITON, "ModelInfer", Buffer.buffer(simpleRaw().build()
        .toByteArray()), ModelInferResponse.parser(), req -> req.timeout(20, TimeUnit.SECONDS));
    assertEquals(64, r.ok().getRawOutputContents(0).size());
  }

  @Test
  void gzipCompressedMessagesAreInflated() {
    Result<ModelInferResponse> r = grpc.call(GrpcTestClient.TRITON, "ModelInfer", Buffer.buffer(simpleRaw().build()
        .toByteArray()), ModelInferResponse.parser(), req -> req.encoding("gzip"));
    assertArrayEquals(ints(IntStream.rangeClosed(11, 26).toArray()), r.ok().getRawOutputContents(0).toByteArray());
  }

  @Test
  void aCallPastItsDeadlineIsDeadlineExceeded() {
    // The client never finishes its request, so only the deadline can end the call.
    Result<ModelInferResponse> r = grpc.call(GrpcTestClient.TRITON, "ModelInfer", Buffer.buffer(simpleRaw().build()
        .toByteArray()), ModelInferResponse.parser(), req -> req.timeout(200, TimeUnit.MILLISECONDS), false);
    assertStatus(r, GrpcStatus.DEADLINE_EXCEEDED, "deadline of 200 ms exceeded");
  }

  @Test
  void modelStatisticsMatchTheHttpStatisticsEndpoint() throws Exception {
    for (int i = 0; i < 3; i++) {
      infer(simpleRaw()).ok();
    }
    ModelStatisticsResponse r = grpc.call("ModelStatistics",
        ModelStatisticsRequest.newBuilder().setName("simple").setVersion("1").build(),
        ModelStatisticsResponse.parser()).ok();
    JsonObject http = new JsonObject(t.get("/v2/models/simple/versions/1/stats").body())
        .getJsonArray("model_stats").getJsonObject(0);
    assertEquals(1, r.getModelStatsCount());
    var s = r.getModelStats(0);
    assertEquals("simple", s.getName());
    assertEquals("1", s.getVersion());
    assertTrue(s.getInferenceStats().getSuccess().getCount() >= 3, s.toString());
    assertEquals(http.getLong("inference_count"), s.getInferenceCount());
    assertEquals(http.getLong("execution_count"), s.getExecutionCount());
    assertEquals(http.getLong("last_inference"), s.getLastInference());
    JsonObject stats = http.getJsonObject("inference_stats");
    assertEquals(stats.getJsonObject("success").getLong("count"), s.getInferenceStats().getSuccess().getCount());
    assertEquals(stats.getJsonObject("success").getLong("ns"), s.getInferenceStats().getSuccess().getNs());
    assertEquals(stats.getJsonObject("compute_infer").getLong("ns"), s.getInferenceStats().getComputeInfer().getNs());
    assertEquals(http.getJsonArray("batch_stats").size(), s.getBatchStatsCount());
    assertEquals(1, s.getBatchStats(0).getBatchSize());

    List<String> everyModel = grpc.call("ModelStatistics", ModelStatisticsRequest.getDefaultInstance(),
        ModelStatisticsResponse.parser()).ok().getModelStatsList().stream().map(m -> m.getName()).toList();
    assertTrue(everyModel.contains("simple") && !everyModel.contains("broken"), everyModel.toString());
    assertStatus(grpc.call("ModelStatistics", ModelStatisticsRequest.newBuilder().setName("nope").build(),
        ModelStatisticsResponse.parser()), GrpcStatus.NOT_FOUND, "unknown model 'nope'");
    assertStatus(grpc.call("ModelStatistics", ModelStatisticsRequest.newBuilder().setName("broken").build(),
        ModelStatisticsResponse.parser()), GrpcStatus.UNAVAILABLE, "no version of it has loaded");
  }

  @Test
  void everyOtherTritonRpcIsUnimplemented() {
    for (String rpc : List.of("ModelStreamInfer", "SystemSharedMemoryStatus", "SystemSharedMemoryRegister", "SystemSharedMemoryUnregister",
        "CudaSharedMemoryStatus", "CudaSharedMemoryRegister", "CudaSharedMemoryUnregister", "TraceSetting",
        "LogSettings")) {
      assertStatus(grpc.call(GrpcTestClient.TRITON, rpc, Buffer.buffer(), ServerLiveResponse.parser(), r -> {}),
          GrpcStatus.UNIMPLEMENTED, rpc + " is not implemented");
    }
    assertStatus(grpc.call(GrpcTestClient.TRITON, "Nope", Buffer.buffer(), ServerLiveResponse.parser(), r -> {}),
        GrpcStatus.UNIMPLEMENTED, "unknown method 'inference.GRPCInferenceService/Nope'");
    assertStatus(grpc.call(ServiceName.create("other", "Service"), "Call",
            Buffer.buffer("x".getBytes(StandardCharsets.UTF_8)), ServerLiveResponse.parser(), r -> {}),
        GrpcStatus.UNIMPLEMENTED, "unknown method");
  }
}
