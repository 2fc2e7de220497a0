package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.OnnxModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTimeOptimizerTest {
  @TempDir Path dir;

  private Path mlp() {
    Path file = dir.resolve("model.onnx");
    OnnxModels.write(TestModels.mlp(8), file);
    return file;
  }

  @Test
  void acceptsAnAccurateVariantAndReusesTheCache() {
    Path model = mlp();
    Path cache = dir.resolve("cache");
    var first = LoadTimeOptimizer.optimize(model, "int8", 0.99, cache);
    assertEquals(LoadTimeOptimizer.Variant.OPTIMIZED, first.variant(), first.reason());
    assertTrue(first.modelPath().startsWith(cache));
    assertFalse(first.cacheHit());
    assertTrue(first.accuracy().meanCosine() >= 0.99);
    assertTrue(first.reason().contains("mean cosine"), first.reason());

    var second = LoadTimeOptimizer.optimize(model, "int8", 0.99, cache);
    assertTrue(second.cacheHit());
    assertEquals(first.modelPath(), second.modelPath());
    assertEquals(first.cacheKey(), second.cacheKey());
  }

  @Test
  void refusesATooAggressivePruneAndSaysWhy() {
    var r = LoadTimeOptimizer.optimize(mlp(), "prune:0.9", 0.99, dir.resolve("cache"));
    assertEquals(LoadTimeOptimizer.Variant.ORIGINAL, r.variant());
    assertEquals(dir.resolve("model.onnx"), r.modelPath());
    assertTrue(r.accuracy().meanCosine() < 0.99);
    assertTrue(r.reason().contains("below"), r.reason());
  }

  @Test
  void cacheKeyDependsOnModelAndSpec() throws Exception {
    Path model = mlp();
    String a = LoadTimeOptimizer.cacheKey(model, "x");
    assertEquals(a, LoadTimeOptimizer.cacheKey(model, "x"));
    assertNotEquals(a, LoadTimeOptimizer.cacheKey(model, "y"));
    OnnxModels.write(TestModels.mlp(9), model);
    assertNotEquals(a, LoadTimeOptimizer.cacheKey(model, "x"));
  }

  @Test
  void damagedCacheEntriesAreRebuilt() throws Exception {
    Path model = mlp();
    Path cache = dir.resolve("cache");
    var first = LoadTimeOptimizer.optimize(model, "fp16", 0.99, cache);
    Files.writeString(first.modelPath(), "garbage");
    var second = LoadTimeOptimizer.optimize(model, "fp16", 0.99, cache);
    assertFalse(second.cacheHit());
    assertEquals(LoadTimeOptimizer.Variant.OPTIMIZED, second.variant(), second.reason());
    try (Stream<Path> files = Files.list(cache)) {
      assertEquals(1, files.count(), "no temporary files left behind");
    }
  }

  @Test
  void configurationErrorsThrow() {
    Path model = mlp();
    assertThrows(HadronException.InvalidArgument.class,
        () -> LoadTimeOptimizer.optimize(model, "int3", 0.99, dir));
    assertThrows(HadronException.InvalidArgument.class,
        () -> LoadTimeOptimizer.optimize(model, "int8", 1.5, dir));
  }

  @Test
  void aModelThatCannotBeReadIsServedAsIsWithAReason() {
    var r = LoadTimeOptimizer.optimize(dir.resolve("missing.onnx"), "int8", 0.99, dir);
    assertEquals(LoadTimeOptimizer.Variant.ORIGINAL, r.variant());
    assertTrue(r.reason().contains("missing.onnx"), r.reason());
  }
}
