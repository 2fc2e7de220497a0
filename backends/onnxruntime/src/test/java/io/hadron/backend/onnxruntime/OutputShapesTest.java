package io.hadron.backend.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputShapesTest {
  private static ModelSignature.Io io(String name, long[] shape, String... dimNames) {
    return new ModelSignature.Io(name, DataType.INT32, shape, dimNames, null);
  }

  private static final ModelSignature.Io IDS = io("ids", new long[] {-1, -1}, "batch", "seq");
  private static final ModelSignature.Io MASK = io("mask", new long[] {-1, -1}, "batch", "seq");

  private static Tensor tensor(String name, long... shape) {
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    return TestModels.int32(name, shape, new int[n]);
  }

  @Test
  void symbolicDimensionsAreBoundByInputsOfTheSameName() {
    OutputShapes shapes = OutputShapes.of(List.of(tensor("ids", 2, 8)), Map.of("ids", IDS), false);

    assertArrayEquals(new long[] {2, 8, 384}, shapes.predict(io("h", new long[] {-1, -1, 384}, "batch", "seq", "")));
    assertNull(shapes.predict(io("x", new long[] {-1, -1}, "batch", "other")));
  }

  @Test
  void anUnnamedFirstDimensionIsTheBatchOnlyForBatchingModels() {
    ModelSignature.Io out = io("out", new long[] {-1, 4}, "", "");
    List<Tensor> in = List.of(tensor("ids", 3, 5));

    assertArrayEquals(new long[] {3, 4}, OutputShapes.of(in, Map.of("ids", IDS), true).predict(out));
    assertNull(OutputShapes.of(in, Map.of("ids", IDS), false).predict(out));
  }

  @Test
  void aNameBoundToTwoSizesPredictsNothing() {
    OutputShapes shapes = OutputShapes.of(
        List.of(tensor("ids", 2, 8), tensor("mask", 2, 9)), Map.of("ids", IDS, "mask", MASK), false);

    assertNull(shapes.predict(io("h", new long[] {-1, -1}, "batch", "seq")));
    assertArrayEquals(new long[] {2}, shapes.predict(io("b", new long[] {-1}, "batch")));
  }

  @Test
  void inputsThatDisagreeOnTheBatchPredictNoBatch() {
    OutputShapes shapes = OutputShapes.of(
        List.of(tensor("a", 2, 1), tensor("b", 3, 1)),
        Map.of("a", io("a", new long[] {-1, 1}, "", ""), "b", io("b", new long[] {-1, 1}, "", "")), true);

    assertNull(shapes.predict(io("out", new long[] {-1}, "")));
  }

  @Test
  void fixedOutputsNeedNoInputs() {
    assertArrayEquals(new long[] {2, 3}, OutputShapes.of(List.of(), Map.of(), false).predict(io("f", new long[] {2, 3}, "", "")));
  }
}
