package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxTensors;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Int8QuantizerTest {
  private static final Random R = new Random(3);
  private static final float[] X = TestModels.random(R, 5 * 16, 1.0);

  private static Set<String> ops(ModelProto m) {
    return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).collect(Collectors.toSet());
  }

  @ParameterizedTest
  @EnumSource(Int8Kernel.class)
  void everyKernelFollowsTheFloatModelWithinQuantizationError(Int8Kernel kernel) throws Exception {
    ModelProto model = TestModels.mlp(1);
    ModelProto q =
        Int8Quantizer.quantize(model, Int8Options.builder().kernel(kernel).build()).model();
    float[] expected = TestModels.runFloat(model, X, 5, 16);
    float[] actual = TestModels.runFloat(q, X, 5, 16);
    // Two 8-bit roundings per product: errors of about 1% of the output range.
    assertTrue(TestModels.maxAbsDiff(expected, actual) < 0.03 * TestModels.maxAbs(expected),
        "error " + TestModels.maxAbsDiff(expected, actual) + " vs range " + TestModels.maxAbs(expected));
    assertTrue(q.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("W1")),
        "the float weight is dropped once nothing reads it");
  }

  @Test
  void onnxOpsKernelUsesOnlyStandardOperators() {
    ModelProto q = Int8Quantizer.quantize(TestModels.mlp(1), Int8Options.defaults()).model();
    assertTrue(ops(q).containsAll(Set.of("DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul")));
    assertTrue(ops(q).stream().noneMatch(o -> o.equals("MatMul") || o.equals("Gemm")));
    assertTrue(q.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));
  }

  @Test
  void contribKernelsImportTheMicrosoftDomainAndAbsorbTheBias() {
    ModelProto q = Int8Quantizer.quantize(TestModels.mlp(1),
        Int8Options.builder().kernel(Int8Kernel.ORT_DYNAMIC_QUANTIZE_MATMUL).build()).model();
    assertTrue(q.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals("com.microsoft")));
    assertEquals(2, q.getGraph().getNodeList().stream()
        .filter(n -> n.getOpType().equals("DynamicQuantizeMatMul")).count());
    assertTrue(q.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Add")),
        "both biases (the MatMul's Add and the Gemm's C) went into the kernel");
  }

  @Test
  void weightsAreSymmetricPerColumnWithKnownScales() {
    // Column c holds multiples of (c + 1) / 127 up to (c + 1): each column's scale is exactly
    // (c + 1) / 127 and every value lands on an integer level.
    float[] w = new float[4 * 3];
    int[][] levels = {{127, -64, 3}, {-127, 10, 0}, {0, 127, -127}, {50, -1, 127}};
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 3; c++) {
        w[r * 3 + c] = levels[r][c] * (c + 1) / 127f;
      }
    }
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "n", 4)
        .initializer(TestModels.floats("W", new long[] {4, 3}, w))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .output("Y", DataType.FP32, "n", 3)
        .build();
    ModelProto q = Int8Quantizer.quantize(model, Int8Options.defaults()).model();
    TensorProto qw = TestModels.initializer(q, "W_int8");
    assertEquals(TensorProto.DataType.INT8_VALUE, qw.getDataType());
    byte[] bytes = qw.getRawData().toByteArray();
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(levels[r][c], bytes[r * 3 + c], "level at " + r + "," + c);
      }
    }
    assertArrayEquals(new float[] {1 / 127f, 2 / 127f, 3 / 127f},
        TestModels.weights(q, "W_scale"), 1e-9f);
  }

  @Test
  void perTensorAndReducedRangeChangeTheScale() {
    float[] w = {1.27f, -0.333f, 0.5f, 0.126f};
    SymmetricInt8.Quantized q = SymmetricInt8.quantize("w", w, 2, 2,
        SymmetricInt8.Granularity.PER_TENSOR, 63);
    assertArrayEquals(new float[] {1.27f / 63}, q.scales(), 1e-9f);
    // -0.333 / 0.020159 = -16.52, 0.5 / 0.020159 = 24.80, 0.126 / 0.020159 = 6.25
    assertArrayEquals(new byte[] {63, -17, 25, 6}, q.values());
  }

  @Test
  void nonFiniteWeightsAreRefusedByName() {
    var e = assertThrows(HadronException.InvalidArgument.class, () -> SymmetricInt8.quantize(
        "weight 'W'", new float[] {1f, Float.NaN}, 1, 2, SymmetricInt8.Granularity.PER_COLUMN, 127));
    assertTrue(e.getMessage().contains("'W'"), e.getMessage());
  }

  @Test
  void embeddingTablesAreStoredAsInt8RowsWithRowScales() throws Exception {
    ModelProto model = TestModels.embedding(5);
    ModelProto q = Int8Quantizer.quantize(model, Int8Options.defaults()).model();
    assertEquals(TensorProto.DataType.INT8_VALUE, TestModels.initializer(q, "table_int8").getDataType());
    assertArrayEquals(new long[] {50, 1}, OnnxTensors.dims(TestModels.initializer(q, "table_scale")));
    long[][] ids = {{0, 7, 49, 3}, {7, 7, 1, 2}};
    float[] expected = TestModels.runIds(model, ids);
    float[] actual = TestModels.runIds(q, ids);
    // Per row, the error is at most half a level of that row's own scale.
    float[] table = TestModels.weights(model, "table");
    for (int i = 0; i < expected.length; i++) {
      int id = (int) ids[i / 48][(i / 12) % 4];
      double rowMax = 0;
      for (int c = 0; c < 12; c++) {
        rowMax = Math.max(rowMax, Math.abs(table[id * 12 + c]));
      }
      assertTrue(Math.abs(expected[i] - actual[i]) <= rowMax / 127 / 2 * 1.0001,
          "element " + i + " of row " + id);
    }
  }

  @Test
  void nodesCanBeSkippedByNameOrOpType() {
    ModelProto byName = Int8Quantizer.quantize(TestModels.mlp(1),
        Int8Options.builder().skipNodes(List.of("MatMul_0")).build()).model();
    assertTrue(ops(byName).contains("MatMul"));
    assertTrue(!ops(byName).contains("Gemm"));
    ModelProto byType = Int8Quantizer.quantize(TestModels.mlp(1),
        Int8Options.builder().skipOpTypes(List.of("Gemm")).build()).model();
    assertTrue(ops(byType).contains("Gemm"));
    assertTrue(!ops(byType).contains("MatMul"));
    assertThrows(IllegalArgumentException.class,
        () -> Int8Options.builder().skipOpTypes(List.of("Conv")).build());
  }

  @Test
  void productsWithoutConstantWeightsStayFloat() {
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("A", DataType.FP32, 2, 3).input("B", DataType.FP32, 3, 2)
        .node("MatMul", List.of("A", "B"), List.of("Y"))
        .output("Y", DataType.FP32, 2, 2).build();
    Transformed t = Int8Quantizer.quantize(model, Int8Options.defaults());
    assertEquals(model.getGraph().getNodeList(), t.model().getGraph().getNodeList());
    assertTrue(t.summary().contains("1 products without constant weights"), t.summary());
  }

  @Test
  void oldOpsetsAreRefusedNamingTheOpset() {
    ModelProto model = GraphBuilder.named("m").irVersion(6).opset("", 10)
        .input("X", DataType.FP32, 1, 2)
        .initializer(TestModels.floats("W", new long[] {2, 2}, new float[] {1, 2, 3, 4}))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .output("Y", DataType.FP32, 1, 2).build();
    var e = assertThrows(HadronException.Unsupported.class,
        () -> Int8Quantizer.quantize(model, Int8Options.defaults()));
    assertTrue(e.getMessage().contains("opset 10"), e.getMessage());
  }

  @Test
  void smoothingScalesTheActivationAndTheWeightRowsInverselyAndKeepsTheResult() throws Exception {
    // X [n, 4] with channel 2 a hundred times larger than the others feeds a widening MatMul.
    Random r = new Random(11);
    float[] w = TestModels.random(r, 4 * 16, 0.5);
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "n", 4)
        .initializer(TestModels.floats("W", new long[] {4, 16}, w))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .output("Y", DataType.FP32, "n", 16).build();
    Int8Options options = Int8Options.defaults();
    assertEquals(Set.of("X"), Int8Quantizer.smoothingCandidates(model, options));
    ModelProto q = Int8Quantizer.quantize(model, options,
        Map.of("X", new float[] {1f, 1f, 100f, 1f})).model();
    assertTrue(q.getGraph().getNodeList().stream().anyMatch(n -> n.getName().equals("X_smooth")));
    float[] inverse = TestModels.weights(q, "X_smoothing");
    assertTrue(inverse[2] < inverse[0] / 10, "the outlier channel is divided the most");
    float[] x = new float[3 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian() * (i % 4 == 2 ? 100 : 1);
    }
    float[] expected = TestModels.runFloat(model, x, 3, 4);
    float[] actual = TestModels.runFloat(q, x, 3, 4);
    assertTrue(TestModels.maxAbsDiff(expected, actual) < 0.03 * TestModels.maxAbs(expected));
  }
}
