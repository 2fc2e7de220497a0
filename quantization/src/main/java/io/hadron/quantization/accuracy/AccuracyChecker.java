package io.hadron.quantization.accuracy;

import ai.onnxruntime.OrtSession;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an original and an optimized model through ONNX Runtime on the same inputs and measures
 * how far the outputs drift: largest absolute error, mean and smallest cosine similarity of
 * corresponding vectors, exact matches, and top-1 agreement for classifier-like outputs.
 *
 * <p>Cosine is taken per vector along the last axis (per token for a [batch, sequence, hidden]
 * encoder output, per row for [batch, classes] scores): a flattened comparison would let a few
 * large vectors hide many ruined small ones. Two all-zero vectors count as identical (cosine 1);
 * a zero vector against a non-zero one as orthogonal (0); a NaN anywhere makes the cosine NaN.
 *
 * <p>Stateless and thread-safe; each call opens and closes its own sessions.
 */
public final class AccuracyChecker {
  private AccuracyChecker() {}

  /**
   * Compares the two models on {@code inputs}.
   *
   * @param threads intra-op threads per session; 0 lets ONNX Runtime choose
   * @throws HadronException.InvalidArgument if a model cannot be loaded or the two disagree on
   *     output names or shapes
   */
  public static AccuracyReport compare(
      Path original, Path optimized, List<Map<String, Tensor>> inputs, int threads) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no inputs to compare the models on");
    }
    try (OrtSession a = OrtBridge.open(original, threads, true);
        OrtSession b = OrtBridge.open(optimized, threads, true)) {
      Map<String, Accumulator> acc = new LinkedHashMap<>();
      for (Map<String, Tensor> set : inputs) {
        Map<String, OrtBridge.Output> expected = OrtBridge.run(a, set);
        Map<String, OrtBridge.Output> actual = OrtBridge.run(b, set);
        for (Map.Entry<String, OrtBridge.Output> e : expected.entrySet()) {
          OrtBridge.Output got = actual.get(e.getKey());
          if (got == null) {
            throw new HadronException.InvalidArgument(
                "optimized model has no output '" + e.getKey() + "'");
          }
          acc.computeIfAbsent(e.getKey(), Accumulator::new).add(e.getValue(), got);
        }
      }
      List<OutputAccuracy> outputs = new ArrayList<>();
      acc.values().forEach(x -> outputs.add(x.result()));
      return new AccuracyReport(inputs.size(), outputs);
    } catch (ai.onnxruntime.OrtException e) {
      throw new HadronException.Internal("ONNX Runtime failed to close a session: " + e, e);
    }
  }

  /** Cosine similarity of {@code a[from, from + n)} and {@code b[from, from + n)}. */
  static double cosine(double[] a, double[] b, int from, int n) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = from; i < from + n; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    if (Double.isNaN(dot) || Double.isNaN(na) || Double.isNaN(nb)) {
      return Double.NaN;
    }
    if (na == 0 && nb == 0) {
      return 1;
    }
    if (na == 0 || nb == 0) {
      return 0;
    }
    return dot / Math.sqrt(na * nb);
  }

  /** Running figures for one output; confined to the comparing thread. */
  private static final class Accumulator {
    private final String name;
    private boolean floating = true;
    private long vectors;
    private double cosineSum;
    private double minCosine = Double.POSITIVE_INFINITY;
    private boolean nanSeen;
    private double maxAbs;
    private long elements;
    private long equal;
    private long top1Rows;
    private long top1Same;
    private boolean classifier;

    Accumulator(String name) {
      this.name = name;
    }

    void add(OrtBridge.Output expected, OrtBridge.Output actual) {
      if (!Arrays.equals(expected.shape(), actual.shape())) {
        throw new HadronException.InvalidArgument(
            "output '" + name + "' has shape " + Arrays.toString(actual.shape())
                + " in the optimized model but " + Arrays.toString(expected.shape())
                + " in the original");
      }
      floating &= expected.floating();
      double[] e = expected.values();
      double[] g = actual.values();
      for (int i = 0; i < e.length; i++) {
        double d = Math.abs(e[i] - g[i]);
        if (Double.isNaN(d)) {
          nanSeen = true;
        } else {
          maxAbs = Math.max(maxAbs, d);
        }
        if (e[i] == g[i]) {
          equal++;
        }
      }
      elements += e.length;
      long[] shape = expected.shape();
      int width = shape.length <= 1 ? e.length : (int) shape[shape.length - 1];
      if (width == 0) {
        return;
      }
      for (int from = 0; from + width <= e.length; from += width) {
        double c = cosine(e, g, from, width);
        if (Double.isNaN(c)) {
          nanSeen = true;
        } else {
          cosineSum += c;
          minCosine = Math.min(minCosine, c);
        }
        vectors++;
      }
      classifier = shape.length == 2 && width >= 2;
      if (classifier) {
        for (int from = 0; from + width <= e.length; from += width) {
          top1Rows++;
          if (argmax(e, from, width) == argmax(g, from, width)) {
            top1Same++;
          }
        }
      }
    }

    OutputAccuracy result() {
      boolean any = vectors > 0;
      double mean = nanSeen || !floating || !any ? Double.NaN : cosineSum / vectors;
      double min = nanSeen || !floating || !any ? Double.NaN : minCosine;
      double max = nanSeen ? Double.NaN : maxAbs;
      double exact = elements == 0 ? 1 : (double) equal / elements;
      double top1 = classifier && top1Rows > 0 ? (double) top1Same / top1Rows : Double.NaN;
      return new OutputAccuracy(name, floating, vectors, max, mean, min, exact, top1);
    }

    private static int argmax(double[] v, int from, int n) {
      int best = from;
      for (int i = from + 1; i < from + n; i++) {
        if (v[i] > v[best]) {
          best = i;
        }
      }
      return best - from;
    }
  }
}
