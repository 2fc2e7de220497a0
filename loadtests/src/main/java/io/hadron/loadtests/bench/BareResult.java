package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.Latencies;

/**
 * The bare engine at one batch size: calls made in the window and the latency of each.
 *
 * <p>Immutable.
 *
 * @param batch rows per call
 * @param calls engine calls completed in the window
 * @param windowNanos the window's length (summed over merged runs)
 * @param latencies the time of each call
 * @param othersCpuNanos CPU time the machine spent on anything but this process and the (idle)
 *     server during the window, or negative if unknown
 */
record BareResult(int batch, long calls, long windowNanos, Latencies latencies, long othersCpuNanos) {

  double callsPerSecond() {
    return calls / (windowNanos / 1e9);
  }

  /** Rows (requests' worth of work) per second: the engine's throughput at this batch size. */
  double samplesPerSecond() {
    return callsPerSecond() * batch;
  }

  /** {@link #othersCpuNanos} as a fraction of all {@code cores}; NaN if unknown. */
  double othersCpuShare(int cores) {
    return othersCpuNanos < 0 ? Double.NaN : Math.max(0, othersCpuNanos / ((double) windowNanos * cores));
  }

  BareResult plus(BareResult other) {
    if (other.batch != batch) {
      throw new IllegalArgumentException("cannot add batch " + other.batch + " to batch " + batch);
    }
    return new BareResult(batch, calls + other.calls, windowNanos + other.windowNanos,
        latencies.plus(other.latencies), othersCpuNanos < 0 || other.othersCpuNanos < 0 ? -1
            : othersCpuNanos + other.othersCpuNanos);
  }
}
