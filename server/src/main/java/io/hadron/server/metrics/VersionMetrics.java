package io.hadron.server.metrics;

import io.hadron.batching.ModelScheduler;
import io.hadron.batching.NanoClock;
import io.hadron.batching.SchedulerListener;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything recorded about one loaded model version: Triton's statistics (always) and, when
 * metrics are on, its Prometheus meters. It is the version scheduler's listener, which reports
 * batches and rejections; the inference service reports each request's end and the failures it
 * finds before queuing. Every request that reaches a ready version is counted exactly once as a
 * success or as a failure with its reason.
 *
 * <p>Thread-safe and lock-free; recording allocates nothing beyond what Micrometer's meters do.
 */
public final class VersionMetrics implements SchedulerListener {
  private final NanoClock clock;
  private final VersionStats stats;
  private final VersionMeters meters;
  private final AtomicReference<ModelScheduler> scheduler;

  VersionMetrics(NanoClock clock, VersionStats stats, VersionMeters meters, AtomicReference<ModelScheduler> scheduler) {
    this.clock = clock;
    this.stats = stats;
    this.meters = meters;
    this.scheduler = scheduler;
  }

  /** The start of a request, to hand back to {@link #requestEnded}. */
  public long requestStarted() {
    return clock.nanoTime();
  }

  /** A request ended, successfully or not; its failure reason is reported apart, by whoever knew it. */
  public void requestEnded(long startNanos, boolean ok) {
    long nanos = Math.max(0, clock.nanoTime() - startNanos);
    stats.requestEnded(ok, nanos, System.currentTimeMillis());
    meters.requestEnded(ok, nanos);
  }

  /** A request failed before it was queued (validation, say). */
  public void failedBeforeQueue(FailureReason reason) {
    meters.failed(reason, 1);
  }

  @Override
  public void onBatch(BatchEvent b) {
    if (b.failed()) {
      meters.failed(FailureReason.ENGINE, b.requestCount());
    } else {
      stats.batch(b);
      meters.batch(b);
    }
  }

  @Override
  public void onReject(Rejection reason) {
    meters.failed(FailureReason.of(reason), 1);
  }

  /** Lets the pending-requests gauge read the version's scheduler from now on. */
  public void attach(ModelScheduler s) {
    scheduler.set(s);
  }

  /** The version was unloaded: the gauge reads 0 and the scheduler can be collected. */
  public void detach() {
    scheduler.set(null);
  }

  VersionMeters meters() {
    return meters;
  }

  /** Triton's statistics of this version, now. */
  public ModelStatistics statistics() {
    return stats.snapshot();
  }
}
