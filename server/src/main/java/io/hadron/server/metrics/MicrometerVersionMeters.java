package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener.BatchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One model version's meters, all resolved when the version loads, so that recording is a field
 * read and an update, never a lookup by tags. Request-side meters carry {@code model} and {@code
 * version}; execution-side meters also carry the {@code device} of the instance that ran the batch.
 * The per-batch histograms (queue wait, compute times, batch size) live in {@link BatchHistograms},
 * published by the registry's {@link HistogramCollector}; the executions and inferences counters
 * read the batch-size histogram's count and sum, so a batch pays for them nothing more.
 *
 * <p>Thread-safe: immutable references to thread-safe meters and histograms.
 */
final class MicrometerVersionMeters implements VersionMeters {
  private final Counter[] failures = new Counter[FailureReason.values().length];
  private final Timer succeeded;
  private final Timer failedDuration;
  private final BatchHistograms histograms;

  /**
   * @param instanceDevices the device of each instance, by instance index
   * @param pending the version's queued requests, read on each scrape
   * @param stats the version's statistics, whose success count the success counter reads, so that
   *     both report one number and a request pays for one increment
   * @param collector where the per-batch histograms are published
   */
  MicrometerVersionMeters(MeterRegistry registry, String model, String version, int maxBatchSize,
      List<String> instanceDevices, IntSupplier pending, VersionStats stats, HistogramCollector collector) {
    Tags tags = Tags.of("model", model, "version", version);
    FunctionCounter.builder("hadron.request.success", stats, VersionStats::successCount).tags(tags)
        .description("Requests that completed with their outputs").register(registry);
    for (FailureReason r : FailureReason.values()) {
      // Registered up front, so that every reason reads 0 rather than being absent until it happens.
      failures[r.ordinal()] = Counter.builder("hadron.request.failure").tags(tags).tag("reason", r.label())
          .description("Requests that failed, by reason").register(registry);
    }
    succeeded = latency("hadron.request.duration", tags.and("outcome", "success"),
        "Time from a request reaching its model version to its outputs or failure", registry);
    failedDuration = latency("hadron.request.duration", tags.and("outcome", "failure"),
        "Time from a request reaching its model version to its outputs or failure", registry);
    Gauge.builder("hadron.pending.requests", pending, IntSupplier::getAsInt).tags(tags).strongReference(true)
        .description("Requests queued in the scheduler, not yet handed to an instance").register(registry);

    long[] latency = Arrays.stream(Buckets.LATENCY).mapToLong(java.time.Duration::toNanos).toArray();
    long[] sizes = Arrays.stream(Buckets.batchSizes(maxBatchSize)).mapToLong(d -> (long) d).toArray();
    histograms = new BatchHistograms(latency, sizes, instanceDevices);
    collector.add(model, version, histograms);
    for (String device : histograms.devices()) {
      Tags t = tags.and("device", device);
      FunctionCounter.builder("hadron.inferences", histograms,
              h -> h.snapshot(BatchHistograms.Kind.BATCH_SIZE, device).sum())
          .tags(t).description("Inferences performed: rows of every successful batch").register(registry);
      FunctionCounter.builder("hadron.executions", histograms,
              h -> h.snapshot(BatchHistograms.Kind.BATCH_SIZE, device).count())
          .tags(t).description("Successful executions (batches)").register(registry);
    }
  }

  private static Timer latency(String name, Tags tags, String description, MeterRegistry registry) {
    return Timer.builder(name).tags(tags).description(description)
        .serviceLevelObjectives(Buckets.LATENCY)
        .publishPercentileHistogram(false)
        .register(registry);
  }

  /** The version's per-batch histograms, for tests. */
  BatchHistograms histograms() {
    return histograms;
  }

  @Override
  public void requestEnded(boolean ok, long nanos) {
    if (ok) {
      succeeded.record(nanos, TimeUnit.NANOSECONDS);
    } else {
      failedDuration.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void failed(FailureReason reason, int requests) {
    failures[reason.ordinal()].increment(requests);
  }

  @Override
  public void batch(BatchEvent b) {
    histograms.record(b);
  }
}
