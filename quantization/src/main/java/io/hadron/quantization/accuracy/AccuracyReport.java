package io.hadron.quantization.accuracy;

import java.util.List;
import java.util.Locale;

/**
 * The comparison of an optimized model with its original over a set of inputs.
 *
 * <p>Immutable.
 *
 * @param inputSets how many input sets (model runs) were compared
 * @param outputs one entry per output, in the original model's order
 */
public record AccuracyReport(int inputSets, List<OutputAccuracy> outputs) {
  public AccuracyReport {
    outputs = List.copyOf(outputs);
  }

  /**
   * The worst mean cosine over the floating-point outputs: the figure a guard compares with its
   * threshold. NaN if a cosine is NaN (a NaN or infinite output), or if no output is floating
   * point; a guard must treat NaN as failing.
   */
  public double meanCosine() {
    double worst = Double.NaN;
    for (OutputAccuracy o : outputs) {
      if (!o.floating()) {
        continue;
      }
      if (Double.isNaN(o.meanCosine())) {
        return Double.NaN;
      }
      worst = Double.isNaN(worst) ? o.meanCosine() : Math.min(worst, o.meanCosine());
    }
    return worst;
  }

  /** The largest absolute error over all outputs. */
  public double maxAbsError() {
    return outputs.stream().mapToDouble(OutputAccuracy::maxAbsError).max().orElse(0);
  }

  /** The lowest top-1 agreement over classifier-like outputs, or NaN if there are none. */
  public double top1Agreement() {
    return outputs.stream()
        .mapToDouble(OutputAccuracy::top1Agreement)
        .filter(d -> !Double.isNaN(d))
        .min()
        .orElse(Double.NaN);
  }

  /** A small text table, one line per output. */
  public String format() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "accuracy over %d input sets%n", inputSets));
    b.append(String.format(Locale.ROOT, "  %-28s %10s %12s %11s %11s %8s%n", "output", "vectors",
        "max abs err", "mean cos", "min cos", "top-1"));
    for (OutputAccuracy o : outputs) {
      b.append(String.format(Locale.ROOT, "  %-28s %10d %12.5g %11.6f %11.6f %8s%n", o.name(),
          o.vectors(), o.maxAbsError(), o.meanCosine(), o.minCosine(),
          Double.isNaN(o.top1Agreement()) ? "-"
              : String.format(Locale.ROOT, "%.4f", o.top1Agreement())));
    }
    return b.toString();
  }
}
