package io.hadron.quantization.optimize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.OnnxTensors;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small generated models and an ONNX Runtime runner for the transform tests. */
final class TestModels {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private TestModels() {}

  static float[] random(Random r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return v;
  }

  static Tensor floats(String name, long[] shape, float[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return new Tensor(name, DataType.FP32, shape, b);
  }

  /**
   * X [batch, 16] -> MatMul W1 [16, 32] -> Add b1 (bias first, as PyTorch exports it) -> Relu
   * -> Gemm(W2 [8, 32], transB = 1, alpha 0.5, beta 2, C [8]) -> Y [batch, 8].
   */
  static ModelProto mlp(long seed) {
    Random r = new Random(seed);
    return GraphBuilder.named("mlp")
        .irVersion(8)
        .opset("", 13)
        .input("X", DataType.FP32, "batch", 16)
        .initializer(floats("W1", new long[] {16, 32}, random(r, 16 * 32, 0.3)))
        .initializer(floats("b1", new long[] {32}, random(r, 32, 0.1)))
        .initializer(floats("W2", new long[] {8, 32}, random(r, 8 * 32, 0.3)))
        .initializer(floats("C", new long[] {8}, random(r, 8, 0.1)))
        .node("MatMul", List.of("X", "W1"), List.of("h"))
        .node("Add", List.of("b1", "h"), List.of("hb"))
        .node("Relu", List.of("hb"), List.of("a"))
        .node("Gemm", List.of("a", "W2", "C"), List.of("Y"), GraphBuilder.attr("transB", 1L),
            GraphBuilder.attr("alpha", 0.5f), GraphBuilder.attr("beta", 2f))
        .output("Y", DataType.FP32, "batch", 8)
        .build();
  }

  /** ids [batch, seq] INT64 -> Gather(table [50, 12]) -> E [batch, seq, 12]. */
  static ModelProto embedding(long seed) {
    Random r = new Random(seed);
    float[] table = random(r, 50 * 12, 1.0);
    for (int c = 0; c < 12; c++) {
      table[7 * 12 + c] *= 40; // one row far larger than the rest: per-row scales must cope
    }
    return GraphBuilder.named("embedding")
        .irVersion(8)
        .opset("", 13)
        .input("ids", DataType.INT64, "batch", "seq")
        .initializer(floats("table", new long[] {50, 12}, table))
        .node("Gather", List.of("table", "ids"), List.of("E"))
        .output("E", DataType.FP32, "batch", "seq", 12)
        .build();
  }

  /** Runs a one-input model with float input X [rows, cols]; returns output 0 flattened. */
  static float[] runFloat(ModelProto model, float[] x, long rows, long cols) throws OrtException {
    try (OrtSession s = ENV.createSession(OnnxModels.toBytes(model), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {rows, cols});
        OrtSession.Result out = s.run(Map.of(s.getInputNames().iterator().next(), in))) {
      FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
      float[] v = new float[b.remaining()];
      b.get(v);
      return v;
    }
  }

  /** Runs a model on int64 ids [rows, cols]; returns output 0 flattened. */
  static float[] runIds(ModelProto model, long[][] ids) throws OrtException {
    try (OrtSession s = ENV.createSession(OnnxModels.toBytes(model), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(ENV, ids);
        OrtSession.Result out = s.run(Map.of("ids", in))) {
      FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
      float[] v = new float[b.remaining()];
      b.get(v);
      return v;
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  static TensorProto initializer(ModelProto m, String name) {
    return m.getGraph().getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  static float[] weights(ModelProto m, String name) {
    return OnnxTensors.floats(initializer(m, name));
  }

  /** A model resource from the test class path, or null if absent. */
  static byte[] resource(String name) throws IOException {
    try (InputStream in = TestModels.class.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    }
  }
}
