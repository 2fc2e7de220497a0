package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MagnitudePrunerTest {
  @Test
  void unstructuredZerosExactlyTheSmallestMagnitudes() {
    float[] w = {0.5f, -0.1f, 0.3f, -0.7f, 0.2f, 0.05f, -0.6f, 0.4f};
    MagnitudePruner.unstructured(w, 0.5);
    assertArrayEquals(new float[] {0.5f, 0, 0, -0.7f, 0, 0, -0.6f, 0.4f}, w);
  }

  @Test
  void unstructuredBreaksTiesByPositionToHitTheCount() {
    float[] w = {1, 1, 1, 1, 2, 2};
    MagnitudePruner.unstructured(w, 0.5);
    assertArrayEquals(new float[] {0, 0, 0, 1, 2, 2}, w);
  }

  @Test
  void twoOfFourRunsDownTheColumnsOfAMatMulWeight() {
    // W [8, 2]: reduction along the 8 rows; column 0 ascending, column 1 descending.
    float[] w = new float[16];
    for (int r = 0; r < 8; r++) {
      w[r * 2] = r + 1;
      w[r * 2 + 1] = -(8 - r);
    }
    ModelProto model = matMul(w, 8, 2);
    float[] pruned = TestModels.weights(
        MagnitudePruner.prune(model, PruneOptions.semiStructured24()).model(), "W");
    for (int c = 0; c < 2; c++) {
      for (int g = 0; g < 8; g += 4) {
        int nonZero = 0;
        for (int r = g; r < g + 4; r++) {
          nonZero += pruned[r * 2 + c] != 0 ? 1 : 0;
        }
        assertEquals(2, nonZero, "column " + c + " group " + g);
      }
    }
    assertEquals(0f, pruned[0 * 2]);
    assertEquals(3f, pruned[2 * 2]); // rows 2 and 3 are column 0's two largest in group 0
    assertEquals(4f, pruned[3 * 2]);
    assertEquals(-8f, pruned[0 * 2 + 1]); // column 1's largest magnitudes come first
  }

  @Test
  void twoOfFourOnConvGroupsInputChannelsAtEachKernelPosition() {
    // W [1, 4, 1, 2]: at kernel position 0 channels hold 1,2,3,4; at position 1 they hold 4,3,2,1.
    float[] w = {1, 4, 2, 3, 3, 2, 4, 1};
    float[] copy = w.clone();
    MagnitudePruner.twoOfFour(copy, new long[] {1, 4, 1, 2}, MagnitudePruner.Layout.CONV);
    assertArrayEquals(new float[] {0, 4, 0, 3, 3, 0, 4, 0}, copy);
  }

  @Test
  void prunedModelRunsAndReachesTheTargetSparsity() throws Exception {
    Random r = new Random(2);
    ModelProto model = matMul(TestModels.random(r, 64 * 8, 1), 64, 8);
    for (double s : new double[] {0.3, 0.5, 0.7}) {
      Transformed t = MagnitudePruner.prune(model, PruneOptions.unstructured(s));
      assertEquals(s, MagnitudePruner.sparsity(TestModels.weights(t.model(), "W")), 1.0 / 512);
      float[] out = TestModels.runFloat(t.model(), TestModels.random(r, 2 * 64, 1), 2, 64);
      assertEquals(16, out.length);
    }
  }

  @Test
  void weightsSharedWithOtherOpsStayDense() {
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, 2, 4).input("ids", DataType.INT64, 3)
        .initializer(TestModels.floats("W", new long[] {4, 4}, TestModels.random(new Random(1), 16, 1)))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .node("Gather", List.of("W", "ids"), List.of("E"))
        .output("Y", DataType.FP32, 2, 4).output("E", DataType.FP32, 3, 4).build();
    Transformed t = MagnitudePruner.prune(model, PruneOptions.unstructured(0.5));
    assertEquals(0.0, MagnitudePruner.sparsity(TestModels.weights(t.model(), "W")));
    assertTrue(t.summary().contains("1 shared weights left dense"), t.summary());
  }

  @Test
  void badOptionsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> PruneOptions.unstructured(1.0));
    assertThrows(IllegalArgumentException.class, () -> PruneOptions.unstructured(-0.1));
    assertThrows(IllegalArgumentException.class,
        () -> PruneOptions.unstructured(0.5).withOpTypes(List.of("Gather")));
  }

  private static ModelProto matMul(float[] w, int k, int n) {
    return GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "b", k)
        .initializer(TestModels.floats("W", new long[] {k, n}, w))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .output("Y", DataType.FP32, "b", n).build();
  }
}
