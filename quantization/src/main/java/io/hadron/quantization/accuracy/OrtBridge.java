package io.hadron.quantization.accuracy;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few ONNX Runtime calls the optimizer needs: open a CPU session, feed core {@link Tensor}s,
 * read outputs back as doubles.
 *
 * <p>Stateless and thread-safe; sessions it opens belong to the caller, who closes them.
 */
public final class OrtBridge {
  private OrtBridge() {}

  /** The process-wide ONNX Runtime environment. */
  public static OrtEnvironment environment() {
    return OrtEnvironment.getEnvironment();
  }

  /**
   * A CPU session on a model file (external data is found beside it).
   *
   * @param threads intra-op threads; 0 lets ONNX Runtime choose
   * @param optimize whether ONNX Runtime may rewrite the graph (fusions); off when the graph
   *     itself is under inspection
   */
  public static OrtSession open(Path model, int threads, boolean optimize) {
    try {
      return environment().createSession(model.toString(), options(threads, optimize));
    } catch (OrtException e) {
      throw new HadronException.InvalidArgument(
          "ONNX Runtime cannot load model " + model + ": " + e.getMessage(), e);
    }
  }

  /** A CPU session on a serialized model held in memory. */
  public static OrtSession open(byte[] model, String what, int threads, boolean optimize) {
    try {
      return environment().createSession(model, options(threads, optimize));
    } catch (OrtException e) {
      throw new HadronException.InvalidArgument(
          "ONNX Runtime cannot load " + what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs the session on {@code inputs} and returns every output as doubles (row-major) with its
   * shape. An input whose core type is FP32 is converted when the session declares it FP16.
   */
  public static Map<String, Output> run(OrtSession session, Map<String, Tensor> inputs) {
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
        var info = session.getInputInfo().get(e.getKey());
        if (info == null) {
          throw new HadronException.InvalidArgument(
              "model has no input '" + e.getKey() + "'; it has " + session.getInputNames());
        }
        OnnxJavaType declared = ((TensorInfo) info.getInfo()).type;
        feed.put(e.getKey(), toOrt(e.getValue(), declared));
      }
      Map<String, Output> out = new LinkedHashMap<>();
      try (OrtSession.Result result = session.run(feed)) {
        for (Map.Entry<String, OnnxValue> e : result) {
          if (!(e.getValue() instanceof OnnxTensor t)) {
            throw new HadronException.Unsupported(
                "output '" + e.getKey() + "' is not a tensor; only tensor outputs are compared");
          }
          out.put(e.getKey(), fromOrt(t));
        }
      }
      return out;
    } catch (OrtException e) {
      throw new HadronException.Internal("ONNX Runtime failed to run the model: " + e, e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  /** One output: its values widened to double, its shape, and whether it holds floats. */
  public record Output(double[] values, long[] shape, boolean floating) {}

  private static OrtSession.SessionOptions options(int threads, boolean optimize)
      throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    if (threads > 0) {
      o.setIntraOpNumThreads(threads);
    }
    o.setOptimizationLevel(
        optimize
            ? OrtSession.SessionOptions.OptLevel.ALL_OPT
            : OrtSession.SessionOptions.OptLevel.NO_OPT);
    return o;
  }

  private static OnnxTensor toOrt(Tensor t, OnnxJavaType declared) throws OrtException {
    ByteBuffer src = t.data();
    long[] shape = t.shape();
    if (t.datatype() == DataType.FP32 && declared == OnnxJavaType.FLOAT16) {
      ByteBuffer half = ByteBuffer.allocateDirect(src.remaining() / 2).order(ByteOrder.nativeOrder());
      while (src.hasRemaining()) {
        half.putShort(Float.floatToFloat16(src.getFloat()));
      }
      return OnnxTensor.createTensor(environment(), half.flip(), shape, OnnxJavaType.FLOAT16);
    }
    if (t.datatype() == DataType.BYTES) {
      String[] values =
          t.bytesElements().stream()
              .map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
              .toArray(String[]::new);
      return OnnxTensor.createTensor(environment(), values, shape);
    }
    // A private direct copy in native order: ONNX Runtime reads it in place.
    ByteBuffer copy = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      copy.put(src);
    } else {
      throw new HadronException.Unsupported("big-endian hosts are not supported");
    }
    return OnnxTensor.createTensor(environment(), copy.flip(), shape, javaType(t.datatype()));
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
      default ->
          throw new HadronException.Unsupported(
              "ONNX Runtime's Java API cannot take " + type + " inputs");
    };
  }

  private static Output fromOrt(OnnxTensor t) {
    TensorInfo info = t.getInfo();
    long[] shape = info.getShape();
    ByteBuffer b = t.getByteBuffer().order(ByteOrder.nativeOrder());
    int n = Math.toIntExact(info.getNumElements());
    double[] v = new double[n];
    boolean floating = true;
    switch (info.type) {
      case FLOAT -> {
        for (int i = 0; i < n; i++) v[i] = b.getFloat();
      }
      case DOUBLE -> {
        for (int i = 0; i < n; i++) v[i] = b.getDouble();
      }
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(b.getShort());
      }
      case BFLOAT16 -> {
        for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
      }
      case INT64 -> {
        floating = false;
        for (int i = 0; i < n; i++) v[i] = b.getLong();
      }
      case INT32 -> {
        floating = false;
        for (int i = 0; i < n; i++) v[i] = b.getInt();
      }
      case INT16 -> {
        floating = false;
        for (int i = 0; i < n; i++) v[i] = b.getShort();
      }
      case INT8, BOOL -> {
        floating = false;
        for (int i = 0; i < n; i++) v[i] = b.get();
      }
      case UINT8 -> {
        floating = false;
        for (int i = 0; i < n; i++) v[i] = b.get() & 0xff;
      }
      default ->
          throw new HadronException.Unsupported(
              "output of type " + info.type + " cannot be compared");
    }
    return new Output(v, shape, floating);
  }
}
