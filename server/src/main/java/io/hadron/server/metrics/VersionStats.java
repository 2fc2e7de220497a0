package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener.BatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cumulative counts and nanosecond sums behind Triton's statistics for one model version.
 * Request outcomes arrive from every event loop, so they go to {@link LongAdder}s, which do not
 * contend; batch figures arrive once per batch from the instance and completer threads.
 *
 * <p>Thread-safe and lock-free. A {@link #snapshot} is not atomic across fields: taken while traffic
 * flows, one figure may already include a request another does not yet; taken at rest it is exact.
 */
final class VersionStats {
  /** Per batch size, four slots: executions, then input, infer and output nanoseconds. */
  private static final int SLOTS = 4;

  private final String model;
  private final String version;
  private final LongAdder successCount = new LongAdder();
  private final LongAdder successNanos = new LongAdder();
  private final LongAdder failCount = new LongAdder();
  private final LongAdder failNanos = new LongAdder();
  /** Requests of successful batches: the count of the queue and compute figures alike. */
  private final LongAdder executedRequests = new LongAdder();
  private final LongAdder queueNanos = new LongAdder();
  private final LongAdder inputNanos = new LongAdder();
  private final LongAdder inferNanos = new LongAdder();
  private final LongAdder outputNanos = new LongAdder();
  private final LongAdder inferences = new LongAdder();
  private final LongAdder executions = new LongAdder();
  private final LongAccumulator lastInferenceMillis = new LongAccumulator(Math::max, 0);
  /** Index {@code rows * SLOTS + slot}, for rows 1..maxRows (row 0 unused, for plain indexing). */
  private final AtomicLongArray bySize;
  private final int maxRows;

  /** @param maxRows the largest batch size this version can run (1 when it does not batch) */
  VersionStats(String model, String version, int maxRows) {
    this.model = model;
    this.version = version;
    this.maxRows = Math.max(1, maxRows);
    this.bySize = new AtomicLongArray((this.maxRows + 1) * SLOTS);
  }

  void requestEnded(boolean ok, long nanos, long endMillis) {
    if (ok) {
      successCount.increment();
      successNanos.add(nanos);
    } else {
      failCount.increment();
      failNanos.add(nanos);
    }
    lastInferenceMillis.accumulate(endMillis);
  }

  /** A successful batch; failed ones only count as their requests' failures. */
  void batch(BatchEvent b) {
    int n = b.requestCount();
    executedRequests.add(n);
    queueNanos.add(b.queueNanosTotal());
    // Triton charges every request the whole time of the batch it ran in.
    inputNanos.add(n * b.inputNanos());
    inferNanos.add(n * b.inferNanos());
    outputNanos.add(n * b.outputNanos());
    inferences.add(b.rows());
    executions.increment();
    int rows = b.rows();
    if (rows >= 1 && rows <= maxRows) { // always, unless the scheduler broke its own limit
      int i = rows * SLOTS;
      bySize.incrementAndGet(i);
      bySize.addAndGet(i + 1, b.inputNanos());
      bySize.addAndGet(i + 2, b.inferNanos());
      bySize.addAndGet(i + 3, b.outputNanos());
    }
  }

  /** Requests that succeeded so far. */
  long successCount() {
    return successCount.sum();
  }

  ModelStatistics snapshot() {
    long executed = executedRequests.sum();
    List<ModelStatistics.Batch> batches = new ArrayList<>();
    for (int rows = 1; rows <= maxRows; rows++) {
      int i = rows * SLOTS;
      long count = bySize.get(i);
      if (count > 0) {
        batches.add(new ModelStatistics.Batch(rows, new ModelStatistics.Duration(count, bySize.get(i + 1)),
            new ModelStatistics.Duration(count, bySize.get(i + 2)),
            new ModelStatistics.Duration(count, bySize.get(i + 3))));
      }
    }
    return new ModelStatistics(model, version, lastInferenceMillis.get(), inferences.sum(), executions.sum(),
        new ModelStatistics.Duration(successCount.sum(), successNanos.sum()),
        new ModelStatistics.Duration(failCount.sum(), failNanos.sum()),
        new ModelStatistics.Duration(executed, queueNanos.sum()),
        new ModelStatistics.Duration(executed, inputNanos.sum()),
        new ModelStatistics.Duration(executed, inferNanos.sum()),
        new ModelStatistics.Duration(executed, outputNanos.sum()),
        batches);
  }
}
