package io.hadron.loadtests.load;

import java.util.Arrays;
import java.util.Collection;

/**
 * The latencies of a set of requests, sorted: exact percentiles and the empirical CDF.
 *
 * <p>Immutable.
 */
public final class Latencies {
  private static final Latencies EMPTY = new Latencies(new long[0]);
  private final long[] sorted;

  private Latencies(long[] sorted) {
    this.sorted = sorted;
  }

  /** From raw values in nanoseconds, in any order. */
  public static Latencies of(long... nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return new Latencies(s);
  }

  public static Latencies empty() {
    return EMPTY;
  }

  /** Everything the recorders hold. */
  public static Latencies merge(Collection<LatencyRecorder> recorders) {
    int n = 0;
    for (LatencyRecorder r : recorders) {
      n += r.size();
    }
    long[] all = new long[n];
    int at = 0;
    for (LatencyRecorder r : recorders) {
      long[] v = r.values();
      System.arraycopy(v, 0, all, at, v.length);
      at += v.length;
    }
    Arrays.sort(all);
    return new Latencies(all);
  }

  /** This set and {@code other} together. */
  public Latencies plus(Latencies other) {
    long[] all = Arrays.copyOf(sorted, sorted.length + other.sorted.length);
    System.arraycopy(other.sorted, 0, all, sorted.length, other.sorted.length);
    Arrays.sort(all);
    return new Latencies(all);
  }

  public int count() {
    return sorted.length;
  }

  /**
   * The {@code q}-quantile (0 &lt; q &le; 1) by the nearest-rank method: the smallest latency with
   * at least {@code q} of all at or below it. NaN when empty.
   */
  public double quantileNanos(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in (0, 1], got " + q);
    }
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** {@link #quantileNanos} in milliseconds. */
  public double quantileMillis(double q) {
    return quantileNanos(q) / 1e6;
  }

  public double maxMillis() {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
  }

  public double meanMillis() {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (long v : sorted) {
      sum += v;
    }
    return sum / sorted.length / 1e6;
  }

  /**
   * At most {@code points} points of the empirical CDF, as {x = latency in ms, y = fraction of
   * requests at or below it}, evenly spaced in rank and always including the maximum.
   */
  public double[][] cdf(int points) {
    if (points < 2) {
      throw new IllegalArgumentException("points must be >= 2, got " + points);
    }
    int n = sorted.length;
    int k = Math.min(points, n);
    double[] x = new double[k];
    double[] y = new double[k];
    for (int i = 0; i < k; i++) {
      int rank = k == 1 ? n : (int) Math.round(1 + (double) i * (n - 1) / (k - 1));
      x[i] = sorted[rank - 1] / 1e6;
      y[i] = (double) rank / n;
    }
    return new double[][] {x, y};
  }
}
