package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.server.repository.ModelVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hadron.optimize} at load time: the guard serves a good variant and refuses a bad one. */
class OptimizeAtLoadTest {
  @TempDir static Path repo;
  static TestServer t;

  /** Y = X · W with a dense random 64×32 weight: int8 keeps it, 90 % pruning wrecks it. */
  static byte[] matmulModel() {
    Random rnd = new Random(11);
    ByteBuffer w = ByteBuffer.allocateDirect(64 * 32 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 64 * 32; i++) {
      w.putFloat((float) rnd.nextGaussian());
    }
    return OnnxModels.toBytes(GraphBuilder.named("mm").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "batch", 64L)
        .output("Y", DataType.FP32, "batch", 32L)
        .initializer(new Tensor("W", DataType.FP32, new long[] {64, 32}, w.flip()))
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .build());
  }

  static void model(String name, String spec) throws Exception {
    Files.createDirectories(repo.resolve(name + "/1"));
    Files.write(repo.resolve(name + "/1/model.onnx"), matmulModel());
    Files.writeString(repo.resolve(name + "/config.pbtxt"),
        "parameters { key: \"hadron.optimize\" value { string_value: \"" + spec + "\" } }\n");
  }

  @BeforeAll
  static void start() throws Exception {
    model("int8", "int8");
    model("pruned", "prune:0.9");
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  @Test
  void anAccurateVariantIsServed() throws Exception {
    ModelVersion v = t.server.repository().find("int8", "1");
    assertTrue(v.isReady(), v.reason());
    assertTrue(v.optimization().applied(), v.optimization().detail());
    assertTrue(v.optimization().variant().startsWith("int8"), v.optimization().variant());
    assertTrue(v.optimization().detail().contains("mean cosine"), v.optimization().detail());
    String meta = t.get("/v2/models/int8").body();
    assertTrue(meta.contains("\"hadron.variant\":\"int8"), meta);
    assertEquals(200, t.post("/v2/models/int8/infer", "{\"inputs\":[{\"name\":\"X\",\"shape\":[1,64],"
        + "\"datatype\":\"FP32\",\"data\":" + ones(64) + "}]}").statusCode());
  }

  @Test
  void anInaccurateVariantIsRefusedAndTheOriginalServed() throws Exception {
    ModelVersion v = t.server.repository().find("pruned", "1");
    assertTrue(v.isReady(), v.reason());
    assertFalse(v.optimization().applied());
    assertEquals("original", v.optimization().variant());
    String meta = t.get("/v2/models/pruned").body();
    assertTrue(meta.contains("\"hadron.variant\":\"original\""), meta);
    assertTrue(v.optimization().detail().contains("cosine"), v.optimization().detail());
  }

  private static String ones(int n) {
    return "[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]";
  }
}
