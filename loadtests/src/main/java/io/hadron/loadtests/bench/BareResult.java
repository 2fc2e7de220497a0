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
 */
record BareResult(int batch, long calls, long windowNanos, Latencies latencies) {

  double callsPerSecond() {
    return calls / (windowNanos / 1e9);
  }

  /** Rows (requests' worth of work) per second: the engine's throughput at this batch size. */
  double samplesPerSecond() {
    return callsPerSecond() * batch;
  }

  BareResult plus(BareResult other) {
    if (other.batch != batch) {
      throw new IllegalArgumentException("cannot add batch " + other.batch + " to batch " + batch);
    }
    return new BareResult(batch, calls + other.calls, windowNanos + other.windowNanos,
        latencies.plus(other.latencies));
  }
}
