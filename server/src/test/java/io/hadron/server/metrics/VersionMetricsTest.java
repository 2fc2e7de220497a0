package io.hadron.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.batching.NanoClock;
import io.hadron.batching.SchedulerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One version's recording, driven by hand with a fake clock and hand-made batch events. */
class VersionMetricsTest {
  /** Near overflow, so that durations are computed as differences that wrap. */
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(1).toNanos());
  private final NanoClock clock = now::get;
  private final ServerMetrics server = ServerMetrics.prometheus(clock, List.of());
  private final MeterRegistry registry = server.registry().orElseThrow();
  /** Two instances on the CPU and one on a GPU. */
  private final VersionMetrics m = server.version("m", "3", 8, List.of("cpu", "gpu0", "cpu"));

  @AfterEach
  void close() {
    server.close();
  }

  record Event(int instance, int rows, long[] queue, long inputNanos, long inferNanos, long outputNanos,
      boolean failed) implements SchedulerListener.BatchEvent {
    @Override
    public int requestCount() {
      return queue.length;
    }

    @Override
    public long queueNanos(int i) {
      return queue[i];
    }

    @Override
    public long queueNanosTotal() {
      long t = 0;
      for (long q : queue) {
        t += q;
      }
      return t;
    }
  }

  private Counter failures(String reason) {
    return registry.get("hadron.request.failure").tags("model", "m", "version", "3", "reason", reason).counter();
  }

  private BatchHistograms histograms() {
    return ((MicrometerVersionMeters) m.meters()).histograms();
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tags("model", "m", "version", "3").tags(tags).timer();
  }

  @Test
  void aSuccessfulBatchChargesEachRequestTheWholeBatchAndCountsTheBatchOnce() {
    m.onBatch(new Event(1, 5, new long[] {1_000, 3_000}, 10, 400, 20, false));
    ModelStatistics s = m.statistics();
    assertEquals(5, s.inferenceCount());
    assertEquals(1, s.executionCount());
    assertEquals(new ModelStatistics.Duration(2, 4_000), s.queue());
    assertEquals(new ModelStatistics.Duration(2, 20), s.computeInput());
    assertEquals(new ModelStatistics.Duration(2, 800), s.computeInfer());
    assertEquals(new ModelStatistics.Duration(2, 40), s.computeOutput());
    assertEquals(List.of(new ModelStatistics.Batch(5, new ModelStatistics.Duration(1, 10),
        new ModelStatistics.Duration(1, 400), new ModelStatistics.Duration(1, 20))), s.batches());

    BatchHistograms h = histograms();
    BatchHistograms.Snapshot queue = h.queue();
    assertEquals(2, queue.count(), "one queue sample per request");
    assertEquals(4_000, queue.sum());
    assertEquals(2, queue.counts()[0], "both below the first bound, 50 µs");
    BatchHistograms.Snapshot infer = h.snapshot(BatchHistograms.Kind.INFER, "gpu0");
    assertEquals(1, infer.count(), "one compute sample per batch, on the instance's device");
    assertEquals(400, infer.sum());
    assertEquals(0, h.snapshot(BatchHistograms.Kind.INFER, "cpu").count());
    BatchHistograms.Snapshot size = h.snapshot(BatchHistograms.Kind.BATCH_SIZE, "gpu0");
    assertEquals(1, size.count());
    assertEquals(5, size.sum());
    assertEquals(1, size.counts()[3], "5 rows fall in the bucket up to 8 (bounds 1, 2, 4, 8)");
    assertEquals(5, registry.get("hadron.inferences").tags("device", "gpu0").functionCounter().count());
    assertEquals(0, registry.get("hadron.executions").tags("device", "cpu").functionCounter().count());
  }

  @Test
  void instancesOnOneDeviceShareItsMeters() {
    m.onBatch(new Event(0, 1, new long[] {0}, 1, 1, 1, false));
    m.onBatch(new Event(2, 2, new long[] {0}, 1, 1, 1, false));
    assertEquals(2, registry.get("hadron.executions").tags("device", "cpu").functionCounter().count());
    assertEquals(3, registry.get("hadron.inferences").tags("device", "cpu").functionCounter().count());
  }

  @Test
  void aFailedBatchCountsOnlyAsEngineFailuresOfEachOfItsRequests() {
    m.onBatch(new Event(0, 3, new long[] {5, 5, 5}, 10, 10, 0, true));
    assertEquals(3, failures("engine").count());
    ModelStatistics s = m.statistics();
    assertEquals(0, s.executionCount());
    assertEquals(0, s.inferenceCount());
    assertEquals(ModelStatistics.Duration.ZERO, s.queue());
    assertEquals(List.of(), s.batches());
    assertEquals(0, histograms().queue().count());
  }

  @Test
  void everySchedulerRejectionHasItsOwnReason() {
    for (SchedulerListener.Rejection r : SchedulerListener.Rejection.values()) {
      m.onReject(r);
    }
    m.failedBeforeQueue(FailureReason.INVALID);
    assertEquals(2, failures("invalid").count(), "the scheduler's and the validator's");
    for (String reason : List.of("queue_full", "timed_out", "cancelled", "shutting_down")) {
      assertEquals(1, failures(reason).count(), reason);
    }
  }

  @Test
  void requestsAreTimedFromStartToEndByOutcome() {
    long a = m.requestStarted();
    now.addAndGet(Duration.ofMillis(3).toNanos()); // crosses Long.MAX_VALUE
    m.requestEnded(a, true);
    long b = m.requestStarted();
    now.addAndGet(Duration.ofMillis(1).toNanos());
    m.requestEnded(b, false);
    ModelStatistics s = m.statistics();
    assertEquals(new ModelStatistics.Duration(1, 3_000_000), s.success());
    assertEquals(new ModelStatistics.Duration(1, 1_000_000), s.fail());
    assertTrue(s.lastInferenceMillis() > 0);
    assertEquals(1, registry.get("hadron.request.success").functionCounter().count(), "reads the statistics");
    assertEquals(3_000_000, timer("hadron.request.duration", "outcome", "success").totalTime(TimeUnit.NANOSECONDS));
    assertEquals(1_000_000, timer("hadron.request.duration", "outcome", "failure").totalTime(TimeUnit.NANOSECONDS));
  }

  @Test
  void withMetricsOffStatisticsAreStillKept() {
    ServerMetrics off = ServerMetrics.disabled(clock);
    VersionMetrics v = off.version("m", "1", 0, List.of("cpu"));
    v.onBatch(new Event(0, 1, new long[] {7}, 1, 2, 3, false));
    long start = v.requestStarted();
    v.requestEnded(start, true);
    assertEquals(1, v.statistics().executionCount());
    assertEquals(1, v.statistics().success().count());
    assertEquals(List.of(1), v.statistics().batches().stream().map(ModelStatistics.Batch::batchSize).toList());
    assertTrue(off.registry().isEmpty());
    off.close();
  }

  @Test
  void thePendingGaugeReadsTheAttachedSchedulerAndZeroAfterDetach() {
    assertEquals(0, registry.get("hadron.pending.requests").gauge().value());
    assertNotNull(registry.find("hadron.pending.requests").tags("model", "m", "version", "3").gauge());
    m.detach();
    assertEquals(0, registry.get("hadron.pending.requests").gauge().value());
    assertNull(registry.find("hadron.pending.requests").tags("model", "other").gauge());
  }
}
