package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener.BatchEvent;

/**
 * The Prometheus side of one model version's metrics. With metrics off a version gets {@link #NOOP},
 * so that recording never asks whether metrics are on (HikariCP's pattern).
 *
 * <p>Implementations are thread-safe.
 */
interface VersionMeters {
  VersionMeters NOOP = new VersionMeters() {};

  /** A request that reached the version ended after {@code nanos}. */
  default void requestEnded(boolean ok, long nanos) {}

  /** {@code requests} requests failed for {@code reason}. */
  default void failed(FailureReason reason, int requests) {}

  /** A batch ran successfully. */
  default void batch(BatchEvent b) {}
}
