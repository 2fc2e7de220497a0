package io.hadron.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.InferenceResponse;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.server.config.ModelConfigParser;
import io.hadron.server.config.proto.TritonConfig;
import io.hadron.server.grpc.proto.GrpcService.InferParameter;
import io.hadron.server.grpc.proto.GrpcService.InferTensorContents;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import io.hadron.server.grpc.proto.GrpcService.ModelInferResponse;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ModelInfer decoding and encoding, typed contents and the config mapping, below the socket. */
class GrpcCodecTest {
  private static Tensor ints(String name, int... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return new Tensor(name, DataType.INT32, new long[] {1, values.length}, b.flip());
  }

  @Test
  void encodedResponsesAreExactlyWhatProtobufWouldWrite() throws Exception {
    Tensor a = ints("A", 1, 2, 3);
    Tensor empty = new Tensor("E", DataType.FP32, new long[] {0}, ByteBuffer.allocateDirect(0));
    Tensor s = Tensor.ofStrings("S", List.of("x", "yz"));
    InferenceResponse r = new InferenceResponse("m", "2", "id-1", List.of(a, empty, s), Map.of("flag", true));
    ModelInferResponse.Builder expected = InferResponseProto.metadata(r).toBuilder();
    for (Tensor t : r.outputs()) {
      expected.addRawOutputContents(ByteString.copyFrom(t.data()));
    }
    byte[] encoded = InferResponseProto.encode(r).getBytes();
    assertArrayEquals(expected.build().toByteArray(), encoded);
    ModelInferResponse back = ModelInferResponse.parseFrom(encoded);
    assertEquals("id-1", back.getId());
    assertTrue(back.getParametersOrThrow("flag").getBoolParam());
    assertEquals(List.of(1L, 3L), back.getOutputs(0).getShapeList());
    assertEquals("BYTES", back.getOutputs(2).getDatatype());
  }

  @Test
  void rawInputsAreDecodedFromAnAliasedParse() throws Exception {
    ModelInferRequest m = ModelInferRequest.newBuilder().setModelName("m").setModelVersion("3")
        .putParameters("priority", InferParameter.newBuilder().setUint64Param(2).build())
        .putParameters("s", InferParameter.newBuilder().setStringParam("v").build())
        .addInputs(InferInputTensor.newBuilder().setName("a").setDatatype("INT32").addShape(1).addShape(2))
        .addInputs(InferInputTensor.newBuilder().setName("b").setDatatype("FP16").addShape(1))
        .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 2, 0, 0, 0}))
        .addRawInputContents(ByteString.copyFrom(new byte[] {0, 60}))
        .build();
    InferenceRequest r = InferRequestProto.decode(InferRequestProto.parse(Buffer.buffer(m.toByteArray())));
    assertEquals("3", r.modelVersion());
    assertNull(r.id(), "an empty id is no id");
    assertEquals(2L, r.parameters().get("priority"));
    assertEquals("v", r.parameters().get("s"));
    assertEquals(2, r.inputs().get(0).data().getInt(4));
    assertTrue(r.inputs().get(0).data().isDirect());
    assertEquals(1.0f, Float.float16ToFloat(r.inputs().get(1).data().getShort(0)));
  }

  @Test
  void parameterValuesOutOfJavasRangeAreRefused() {
    ModelInferRequest m = ModelInferRequest.newBuilder().setModelName("m")
        .putParameters("timeout", InferParameter.newBuilder().setUint64Param(-1).build()).build();
    assertTrue(assertThrows(HadronException.InvalidArgument.class, () -> InferRequestProto.decode(m)).getMessage()
        .contains("parameter 'timeout' (18446744073709551615) is out of range"));
    ModelInferRequest unset = ModelInferRequest.newBuilder().setModelName("m")
        .putParameters("p", InferParameter.getDefaultInstance()).build();
    assertTrue(assertThrows(HadronException.InvalidArgument.class, () -> InferRequestProto.decode(unset))
        .getMessage().contains("parameter 'p' has no value"));
  }

  @Test
  void typedContentsCheckCountsRangesAndFields() {
    Tensor u16 = TypedContents.read("x", DataType.UINT16, new long[] {2},
        InferTensorContents.newBuilder().addUintContents(65535).addUintContents(0).build());
    assertEquals((short) 0xFFFF, u16.data().getShort(0));
    Tensor u32 = TypedContents.read("x", DataType.UINT32, new long[] {1},
        InferTensorContents.newBuilder().addUintContents(-1).build());
    assertEquals(-1, u32.data().getInt(0), "uint32 4294967295 keeps its bits");
    assertEquals("input 'x': element 0 (65536) is out of range for UINT16",
        assertThrows(HadronException.InvalidArgument.class, () -> TypedContents.read("x", DataType.UINT16,
            new long[] {1}, InferTensorContents.newBuilder().addUintContents(65536).build())).getMessage());
    assertEquals("input 'x': int64_contents holds 1 elements but shape [2] needs 2",
        assertThrows(HadronException.InvalidArgument.class, () -> TypedContents.read("x", DataType.INT64,
            new long[] {2}, InferTensorContents.newBuilder().addInt64Contents(1).build())).getMessage());
    assertEquals("input 'x' is FP64, but its contents are in fp32_contents; FP64 data goes in fp64_contents",
        assertThrows(HadronException.InvalidArgument.class, () -> TypedContents.read("x", DataType.FP64,
            new long[] {1}, InferTensorContents.newBuilder().addFp32Contents(1).build())).getMessage());
  }

  @Test
  void theModelConfigRoundTripsThroughTritonsSchema() throws Exception {
    String text = """
        name: "m"
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        version_policy { specific { versions: [ 3, 1 ] } }
        input [ { name: "in" data_type: TYPE_STRING dims: [ -1 ] optional: true } ]
        output [ { name: "out" data_type: TYPE_BF16 dims: [ 4, 2 ] } ]
        instance_group [ { name: "g" count: 2 kind: KIND_CPU } ]
        dynamic_batching {
          preferred_batch_size: [ 2, 4 ]
          max_queue_delay_microseconds: 100
          priority_levels: 2
          default_priority_level: 1
          default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5 max_queue_size: 3 }
          priority_queue_policy { key: 2 value { allow_timeout_override: true } }
        }
        parameters { key: "hadron.x" value { string_value: "y" } }
        """;
    ModelConfig core = ModelConfigParser.parse(text, Path.of("config.pbtxt"), "m");
    TritonConfig.ModelConfig proto = ModelConfigProto.toProto(core);
    assertEquals(TritonConfig.DataType.TYPE_STRING, proto.getInput(0).getDataType());
    assertEquals(List.of(1L, 3L), proto.getVersionPolicy().getSpecific().getVersionsList());
    ModelConfig back = ModelConfigParser.parse(TextFormat.printer().printToString(proto), Path.of("back.pbtxt"), "m");
    assertEquals(core, back);
  }

  @Test
  void statusMessagesArePercentEncodedAsTheGrpcSpecSays() {
    assertEquals("input 'x': a/b:c +d", GrpcCall.percentEncode("input 'x': a/b:c +d"));
    assertEquals("100%25 h%C3%A9%0A", GrpcCall.percentEncode("100% h\u00e9\n"));
  }
}
