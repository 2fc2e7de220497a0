package io.hadron.quantization.optimize;

import ai.onnxruntime.OrtSession;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.accuracy.OrtBridge;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Observes intermediate values of a float model on sample inputs: the largest magnitude of each
 * channel (last axis) of each requested value, for {@link ActivationSmoothing}.
 *
 * <p>The requested values are declared as extra graph outputs of a copy of the model, which ONNX
 * Runtime then runs without graph optimizations, so that no fusion hides them.
 *
 * <p>Stateless and thread-safe.
 */
final class ActivationStats {
  private ActivationStats() {}

  /**
   * Channel maxima of {@code values} over all {@code inputs}.
   *
   * @throws HadronException.InvalidArgument if the model is too large to run from memory
   */
  static Map<String, float[]> channelMaxima(
      ModelProto model, Set<String> values, List<Map<String, Tensor>> inputs, int threads) {
    if (OnnxModels.tensorBytes(model) > Integer.MAX_VALUE - 8L) {
      throw new HadronException.InvalidArgument(
          "model too large (over 2 GiB) to observe activations from memory");
    }
    GraphProto.Builder g = model.getGraph().toBuilder();
    Set<String> declared = new java.util.HashSet<>();
    g.getOutputList().forEach(o -> declared.add(o.getName()));
    for (String v : values) {
      if (declared.add(v)) {
        g.addOutput(ValueInfoProto.newBuilder().setName(v));
      }
    }
    byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
    Map<String, float[]> maxima = new HashMap<>();
    try (OrtSession session = OrtBridge.open(bytes, "the model under calibration", threads, false)) {
      for (Map<String, Tensor> set : inputs) {
        Map<String, OrtBridge.Output> out = OrtBridge.run(session, set);
        for (String v : values) {
          OrtBridge.Output o = out.get(v);
          long[] shape = o.shape();
          int k = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
          float[] m = maxima.computeIfAbsent(v, x -> new float[k]);
          if (m.length != k || k == 0) {
            continue; // a value whose channel count varies between inputs is not a smoothing target
          }
          double[] d = o.values();
          for (int i = 0; i < d.length; i++) {
            float a = (float) Math.abs(d[i]);
            if (a > m[i % k]) {
              m[i % k] = a;
            }
          }
        }
      }
    } catch (ai.onnxruntime.OrtException e) {
      throw new HadronException.Internal("ONNX Runtime failed to close a session: " + e, e);
    }
    return maxima;
  }
}
