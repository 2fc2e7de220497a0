package io.hadron.loadtests.load;

import java.util.Arrays;

/**
 * A growable array of latencies in nanoseconds, one per request, appended by one client thread.
 * Every request is kept (no histogram buckets), so percentiles and the CDF are exact.
 *
 * <p>Confined to its writing thread; read it only after that thread is done (a {@link
 * Thread#join()} or another happens-before edge).
 */
public final class LatencyRecorder {
  private long[] values = new long[1024];
  private int size;

  public void record(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  public int size() {
    return size;
  }

  long[] values() {
    return Arrays.copyOf(values, size);
  }
}
