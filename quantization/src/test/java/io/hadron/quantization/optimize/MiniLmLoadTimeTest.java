package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hadron.quantization.accuracy.InputGenerator;
import io.hadron.quantization.onnx.OnnxModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load-time guard on the real fp32 all-MiniLM-L6-v2 (90 MB): int8 is accepted, a 70% prune
 * without fine-tuning is refused. Bounded: one optimization and a few small warm-up runs each.
 */
class MiniLmLoadTimeTest {
  @TempDir static Path dir;
  private static Path model;

  @BeforeAll
  static void extract() throws Exception {
    byte[] bytes = TestModels.resource("/all-minilm-l6-v2.onnx");
    if (bytes != null) {
      model = dir.resolve("model.onnx");
      Files.write(model, bytes);
    }
  }

  private static java.util.List<java.util.Map<String, io.hadron.core.Tensor>> warmup() {
    return InputGenerator.generate(OnnxModels.read(model),
        new InputGenerator.Settings(4, 2, 64, 128, 7));
  }

  @Test
  void int8IsAcceptedAndSmall() throws Exception {
    assumeTrue(model != null, "all-minilm-l6-v2.onnx is not on the test classpath");
    var r = LoadTimeOptimizer.optimize(model, "int8", 0.98, dir.resolve("cache"), warmup(), 2);
    assertEquals(LoadTimeOptimizer.Variant.OPTIMIZED, r.variant(), r.reason());
    assertTrue(Files.size(r.modelPath()) <= 0.27 * Files.size(model), "size");
  }

  @Test
  void anAggressivePruneIsRefused() {
    assumeTrue(model != null, "all-minilm-l6-v2.onnx is not on the test classpath");
    var r = LoadTimeOptimizer.optimize(model, "prune:0.7", 0.99, dir.resolve("cache"), warmup(), 2);
    assertEquals(LoadTimeOptimizer.Variant.ORIGINAL, r.variant());
    assertTrue(r.reason().contains("below"), r.reason());
  }
}
