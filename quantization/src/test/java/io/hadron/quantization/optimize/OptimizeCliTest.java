package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.quantization.onnx.OnnxModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptimizeCliTest {
  @TempDir Path dir;

  private int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return OptimizeCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void optimizesAndPrintsSizeTimeAndAccuracy() {
    Path in = dir.resolve("in.onnx");
    OnnxModels.write(TestModels.mlp(2), in);
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int rc = run(out, err, "--in", in.toString(), "--out", dir.resolve("out.onnx").toString(),
        "--mode", "prune:0.3,int8", "--samples", "2", "--threads", "1");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.exists(dir.resolve("out.onnx")));
    assertTrue(text.contains("size") && text.contains("time") && text.contains("mean cos"), text);
    assertTrue(text.contains("prune (unstructured 0.3)") && text.contains("int8:"), text);
  }

  @Test
  void belowTheThresholdExitsWithThree() {
    Path in = dir.resolve("in.onnx");
    OnnxModels.write(TestModels.mlp(2), in);
    int rc = run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), "--in", in.toString(),
        "--out", dir.resolve("out.onnx").toString(), "--mode", "prune:0.95", "--samples", "2",
        "--min-cosine", "0.999");
    assertEquals(3, rc);
  }

  @Test
  void badArgumentsExitWithTwoAndSayWhy() {
    var err = new ByteArrayOutputStream();
    assertEquals(2, run(new ByteArrayOutputStream(), err, "--in", "x.onnx", "--mode", "int8"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--out is required"));
    assertEquals(2, run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), "--bogus"));
    assertEquals(2, run(new ByteArrayOutputStream(), new ByteArrayOutputStream(), "--in", "a",
        "--out", "b", "--mode", "int9"));
  }
}
