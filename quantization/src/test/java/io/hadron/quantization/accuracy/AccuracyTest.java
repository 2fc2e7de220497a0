package io.hadron.quantization.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccuracyTest {
  @TempDir Path dir;

  /** scores [batch, 3] = X [batch, 3] * w (element-wise); w is the model's only difference. */
  private Path scaler(String name, float... w) {
    ByteBuffer b = ByteBuffer.allocateDirect(12).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : w) {
      b.putFloat(v);
    }
    ModelProto m = GraphBuilder.named(name).irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "batch", 3)
        .initializer(new Tensor("w", DataType.FP32, new long[] {3}, b.flip()))
        .node("Mul", List.of("X", "w"), List.of("scores"))
        .output("scores", DataType.FP32, "batch", 3).build();
    Path file = dir.resolve(name + ".onnx");
    OnnxModels.write(m, file);
    return file;
  }

  private static Map<String, Tensor> rows(float[][] x) {
    ByteBuffer b = ByteBuffer.allocateDirect(x.length * 12).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : x) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    return Map.of("X", new Tensor("X", DataType.FP32, new long[] {x.length, 3}, b.flip()));
  }

  @Test
  void identicalModelsAgreeFully() {
    Path a = scaler("a", 1, 2, 3);
    AccuracyReport r = AccuracyChecker.compare(a, scaler("b", 1, 2, 3),
        List.of(rows(new float[][] {{1, 2, 3}, {-1, 0, 4}})), 1);
    assertEquals(1.0, r.meanCosine(), 1e-12);
    assertEquals(0.0, r.maxAbsError());
    assertEquals(1.0, r.top1Agreement());
    assertEquals(1.0, r.outputs().get(0).exactMatch());
  }

  @Test
  void knownDriftGivesKnownFigures() {
    // Row (1, 0, 0) becomes (2, 0, 0): cosine 1, error 1. Row (0, 1, 1) becomes (0, 1, 3):
    // cosine 4 / (sqrt 2 * sqrt 10), error 2, and its top-1 moves from index 1 to index 2.
    AccuracyReport r = AccuracyChecker.compare(scaler("a", 1, 1, 1), scaler("b", 2, 1, 3),
        List.of(rows(new float[][] {{1, 0, 0}, {0, 1, 1}})), 1);
    double c = 4 / (Math.sqrt(2) * Math.sqrt(10));
    assertEquals((1 + c) / 2, r.meanCosine(), 1e-9);
    assertEquals(c, r.outputs().get(0).minCosine(), 1e-9);
    assertEquals(2.0, r.maxAbsError(), 1e-9);
    assertEquals(0.5, r.top1Agreement(), 1e-12);
    assertTrue(r.format().contains("scores"));
  }

  @Test
  void nanOutputsFailEveryThreshold() {
    AccuracyReport r = AccuracyChecker.compare(scaler("a", 1, 1, 1), scaler("b", Float.NaN, 1, 1),
        List.of(rows(new float[][] {{1, 1, 1}})), 1);
    assertTrue(Double.isNaN(r.meanCosine()));
    assertTrue(!(r.meanCosine() >= 0.5));
  }

  @Test
  void cosineEdgeCases() {
    assertEquals(1.0, AccuracyChecker.cosine(new double[] {0, 0}, new double[] {0, 0}, 0, 2));
    assertEquals(0.0, AccuracyChecker.cosine(new double[] {0, 0}, new double[] {1, 0}, 0, 2));
    assertEquals(-1.0, AccuracyChecker.cosine(new double[] {1, 2}, new double[] {-1, -2}, 0, 2), 1e-12);
  }

  @Test
  void generatedInputsFollowTheHeuristics() {
    ModelProto model = GraphBuilder.named("enc").irVersion(8).opset("", 13)
        .input("input_ids", DataType.INT64, "batch", "seq")
        .input("attention_mask", DataType.INT64, "batch", "seq")
        .input("token_type_ids", DataType.INT64, "batch", "seq")
        .input("features", DataType.FP32, "batch", 5)
        .initializer(new Tensor("vocab", DataType.FP32, new long[] {37, 2},
            ByteBuffer.allocateDirect(37 * 2 * 4)))
        .node("Gather", List.of("vocab", "input_ids"), List.of("e"))
        .output("e", DataType.FP32, "batch", "seq", 2).build();
    List<Map<String, Tensor>> sets =
        InputGenerator.generate(model, new InputGenerator.Settings(6, 3, 4, 9, 1));
    assertEquals(6, sets.size());
    for (Map<String, Tensor> s : sets) {
      long[] ids = longs(s.get("input_ids"));
      long seq = s.get("input_ids").dim(1);
      assertEquals(3, s.get("input_ids").dim(0));
      assertTrue(seq >= 4 && seq <= 9);
      assertEquals(seq, s.get("attention_mask").dim(1), "named dims agree across inputs");
      for (long id : ids) {
        assertTrue(id >= 0 && id < 37, "id " + id);
      }
      for (long m : longs(s.get("attention_mask"))) {
        assertEquals(1, m);
      }
      for (long t : longs(s.get("token_type_ids"))) {
        assertEquals(0, t);
      }
      assertEquals(DataType.FP32, s.get("features").datatype());
      assertEquals(5, s.get("features").dim(1));
    }
    assertEquals(sets.get(2).get("input_ids").data(),
        InputGenerator.generate(model, new InputGenerator.Settings(6, 3, 4, 9, 1))
            .get(2).get("input_ids").data(), "same settings, same inputs");
  }

  @Test
  void stringInputsCannotBeGenerated() {
    ModelProto model = GraphBuilder.named("s").irVersion(8).opset("", 13)
        .input("text", DataType.BYTES, "batch")
        .node("Identity", List.of("text"), List.of("o"))
        .output("o", DataType.BYTES, "batch").build();
    var e = assertThrows(HadronException.Unsupported.class, () ->
        InputGenerator.generate(model, new InputGenerator.Settings(1, 1, 1, 1, 1)));
    assertTrue(e.getMessage().contains("'text'"));
  }

  private static long[] longs(Tensor t) {
    long[] v = new long[(int) t.elementCount()];
    t.data().asLongBuffer().get(v);
    return v;
  }
}
