package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hadron.core.DataType;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TypeProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs the generated models through ONNX Runtime's CPU provider. */
class SimpleModelsOnnxRuntimeTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final long[] SHAPE = {3, 5};

  @Test
  void tritonSimpleAddsAndSubtractsABatchOfThree() throws OrtException {
    int[][] a = new int[3][16];
    int[][] b = new int[3][16];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 16; c++) {
        a[r][c] = r * 100 + c;
        b[r][c] = (c % 4) - r * 7;
      }
    }
    try (OrtSession session = ENV.createSession(SimpleModels.tritonSimple(), options());
        OnnxTensor in0 = OnnxTensor.createTensor(ENV, a);
        OnnxTensor in1 = OnnxTensor.createTensor(ENV, b);
        OrtSession.Result result = session.run(Map.of("INPUT0", in0, "INPUT1", in1))) {
      int[][] sum = (int[][]) result.get("OUTPUT0").orElseThrow().getValue();
      int[][] diff = (int[][]) result.get("OUTPUT1").orElseThrow().getValue();
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 16; c++) {
          assertEquals(a[r][c] + b[r][c], sum[r][c], "OUTPUT0[" + r + "][" + c + "]");
          assertEquals(a[r][c] - b[r][c], diff[r][c], "OUTPUT1[" + r + "][" + c + "]");
        }
      }
    }
  }

  @Test
  void tritonSimpleDeclaresSymbolicBatchAndFixedWidth() throws OrtException {
    try (OrtSession session = ENV.createSession(SimpleModels.tritonSimple(), options())) {
      assertEquals(Set.of("INPUT0", "INPUT1"), session.getInputNames());
      assertEquals(Set.of("OUTPUT0", "OUTPUT1"), session.getOutputNames());
      for (NodeInfo info : session.getInputInfo().values()) {
        TensorInfo t = (TensorInfo) info.getInfo();
        assertEquals(OnnxJavaType.INT32, t.type);
        assertArrayEquals(new long[] {-1, 16}, t.getShape());
        assertArrayEquals(new String[] {"batch", ""}, t.getDimensionNames());
      }
    }
  }

  /** Types ONNX Runtime's Java API can create tensors of directly. */
  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"UINT16", "UINT32", "UINT64", "BYTES"},
      mode = EnumSource.Mode.EXCLUDE)
  void identityReturnsItsInputUnchanged(DataType type) throws OrtException {
    ByteBuffer input = randomData(type, 7 + type.ordinal());
    try (OrtSession session = ENV.createSession(SimpleModels.identity(type), unoptimized());
        OnnxTensor in = OnnxTensor.createTensor(ENV, input.duplicate(), SHAPE, javaType(type));
        OrtSession.Result result = session.run(Map.of("INPUT", in))) {
      OnnxTensor out = (OnnxTensor) result.get("OUTPUT").orElseThrow();
      assertArrayEquals(SHAPE, out.getInfo().getShape());
      assertEquals(input, out.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  @Test
  void identityReturnsStringsUnchanged() throws OrtException {
    String[] values = {
      "", "a", "héllo", "wörld", "x".repeat(300), "\0nul", "7", "8", "9", "10", "11", "12", "13",
      "14", "15"
    };
    try (OrtSession session = ENV.createSession(SimpleModels.identity(DataType.BYTES), unoptimized());
        OnnxTensor in = OnnxTensor.createTensor(ENV, values, SHAPE);
        OrtSession.Result result = session.run(Map.of("INPUT", in))) {
      String[][] out = (String[][]) result.get("OUTPUT").orElseThrow().getValue();
      for (int i = 0; i < values.length; i++) {
        assertEquals(values[i], out[i / 5][i % 5]);
      }
    }
  }

  /**
   * ONNX Runtime's Java API cannot create UINT16/32/64 tensors, so the identity model is fed and
   * read through Casts from and to the signed type of the same width. The Identity node in between
   * still runs on the unsigned type; optimizations are off so the casts are not folded away.
   */
  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"UINT16", "UINT32", "UINT64"})
  void identityReturnsUnsignedInputUnchanged(DataType unsigned) throws OrtException {
    DataType signed =
        switch (unsigned) {
          case UINT16 -> DataType.INT16;
          case UINT32 -> DataType.INT32;
          default -> DataType.INT64;
        };
    ModelProto identity = OnnxModels.read(SimpleModels.identity(unsigned));
    GraphProto g = identity.getGraph();
    assertEquals(
        OnnxDataTypes.toOnnxNumber(unsigned), g.getInput(0).getType().getTensorType().getElemType());
    GraphProto wrapped =
        g.toBuilder()
            .setInput(0, retyped(g.getInput(0), "SIGNED_INPUT", signed))
            .setOutput(0, retyped(g.getOutput(0), "SIGNED_OUTPUT", signed))
            .clearNode()
            .addNode(cast("SIGNED_INPUT", "INPUT", unsigned))
            .addAllNode(g.getNodeList())
            .addNode(cast("OUTPUT", "SIGNED_OUTPUT", signed))
            .build();
    byte[] model = OnnxModels.toBytes(identity.toBuilder().setGraph(wrapped).build());

    // Non-negative values: the cast between signed and unsigned is then exact.
    ByteBuffer input = randomData(signed, 11);
    for (int i = 0; i < input.limit(); i += signed.byteSize()) {
      int top = i + signed.byteSize() - 1;
      input.put(top, (byte) (input.get(top) & 0x7F));
    }
    try (OrtSession session = ENV.createSession(model, unoptimized());
        OnnxTensor in = OnnxTensor.createTensor(ENV, input.duplicate(), SHAPE, javaType(signed));
        OrtSession.Result result = session.run(Map.of("SIGNED_INPUT", in))) {
      OnnxTensor out = (OnnxTensor) result.get("SIGNED_OUTPUT").orElseThrow();
      assertEquals(input, out.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  private static ValueInfoProto retyped(ValueInfoProto v, String name, DataType type) {
    TypeProto.Tensor t =
        v.getType().getTensorType().toBuilder()
            .setElemType(OnnxDataTypes.toOnnxNumber(type))
            .build();
    return v.toBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
  }

  private static NodeProto cast(String from, String to, DataType type) {
    return NodeProto.newBuilder()
        .setOpType("Cast")
        .setName("cast_" + to)
        .addInput(from)
        .addOutput(to)
        .addAttribute(GraphBuilder.attr("to", (long) OnnxDataTypes.toOnnxNumber(type)))
        .build();
  }

  private static OrtSession.SessionOptions options() {
    return new OrtSession.SessionOptions();
  }

  private static OrtSession.SessionOptions unoptimized() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    // Otherwise ONNX Runtime may drop the Identity node and never run its kernel.
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
    return options;
  }

  private static OnnxJavaType javaType(DataType type) {
    return switch (type) {
      case BOOL -> OnnxJavaType.BOOL;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case FP16 -> OnnxJavaType.FLOAT16;
      case BF16 -> OnnxJavaType.BFLOAT16;
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      default -> throw new IllegalArgumentException("no ONNX Runtime Java type for " + type);
    };
  }

  /** Random bit patterns (NaNs included: Identity must copy bits, not values); BOOL gets 0 or 1. */
  private static ByteBuffer randomData(DataType type, long seed) {
    int n = (int) (SHAPE[0] * SHAPE[1]);
    byte[] bytes = new byte[n * type.byteSize()];
    Random random = new Random(seed);
    random.nextBytes(bytes);
    if (type == DataType.BOOL) {
      for (int i = 0; i < n; i++) {
        bytes[i] &= 1;
      }
    }
    // ONNX Runtime wants direct buffers in native order; x86 and ARM are little-endian like KServe.
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    return direct.put(bytes).flip();
  }
}
