package io.hadron.server.metrics;

import java.time.Duration;
import java.util.Arrays;

/**
 * The histogram bucket boundaries every Hadron histogram uses. Fixed boundaries rather than
 * Micrometer's percentile histograms, so that Prometheus receives exactly these {@code le} buckets
 * (a handful per series instead of about seventy) and a quantile over any number of servers
 * aggregates correctly.
 *
 * <p>Immutable.
 */
final class Buckets {
  /**
   * Latency boundaries, 50 µs to 60 s in steps of 2 to 2.5: from the queue wait of a request that
   * finds an idle instance (tens of microseconds) to a large model's batch on a CPU (seconds), with
   * the long tail of a slow load or a stuck client still landing in a bucket short of +Inf.
   */
  static final Duration[] LATENCY = {
    micros(50), micros(100), micros(250), micros(500),
    millis(1), micros(2_500), millis(5), millis(10), millis(25), millis(50), millis(100), millis(250), millis(500),
    seconds(1), millis(2_500), seconds(5), seconds(10), seconds(30), seconds(60)
  };

  private Buckets() {}

  /** {@link #LATENCY} in nanoseconds, as a Micrometer meter filter states a timer's boundaries. */
  static double[] latencyNanos() {
    return Arrays.stream(LATENCY).mapToDouble(Duration::toNanos).toArray();
  }

  /**
   * Batch-size boundaries: powers of two up to {@code maxBatchSize}, and {@code maxBatchSize} itself
   * when it is not one, so that a full batch always has its own bucket. A model that does not batch
   * ({@code maxBatchSize} 0) runs one row at a time and gets the single boundary 1.
   */
  static double[] batchSizes(int maxBatchSize) {
    int max = Math.max(1, maxBatchSize);
    int n = 32 - Integer.numberOfLeadingZeros(max); // powers of two <= max
    boolean extra = Integer.bitCount(max) != 1;
    double[] b = new double[n + (extra ? 1 : 0)];
    for (int i = 0; i < n; i++) {
      b[i] = 1 << i;
    }
    if (extra) {
      b[n] = max;
    }
    return b;
  }

  private static Duration micros(long v) {
    return Duration.ofNanos(v * 1_000);
  }

  private static Duration millis(long v) {
    return Duration.ofMillis(v);
  }

  private static Duration seconds(long v) {
    return Duration.ofSeconds(v);
  }
}
