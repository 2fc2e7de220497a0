package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener.BatchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One model version's meters, all resolved when the version loads, so that recording is a field
 * read and an update, never a lookup by tags. Request-side meters carry {@code model} and {@code
 * version}; execution-side meters also carry the {@code device} of the instance that ran the batch,
 * resolved per instance index.
 *
 * <p>Thread-safe: immutable references to Micrometer meters, which are thread-safe.
 */
final class MicrometerVersionMeters implements VersionMeters {
  private final Counter[] failures = new Counter[FailureReason.values().length];
  private final Timer succeeded;
  private final Timer failedDuration;
  private final Timer queue;
  /** Indexed by instance; instances on the same device share one. */
  private final DeviceMeters[] byInstance;

  /** The meters of one (model, version, device). */
  private record DeviceMeters(
      Counter inferences, Counter executions, Timer input, Timer infer, Timer output, DistributionSummary batchSize) {}

  /**
   * @param instanceDevices the device of each instance, by instance index
   * @param pending the version's queued requests, read on each scrape
   * @param stats the version's statistics, whose success count the success counter reads, so that
   *     both report one number and a request pays for one increment
   */
  MicrometerVersionMeters(MeterRegistry registry, String model, String version, int maxBatchSize,
      List<String> instanceDevices, IntSupplier pending, VersionStats stats) {
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
    queue = latency("hadron.queue.duration", tags,
        "Time a request waited in the scheduler's queue before its batch started", registry);
    Gauge.builder("hadron.pending.requests", pending, IntSupplier::getAsInt).tags(tags).strongReference(true)
        .description("Requests queued in the scheduler, not yet handed to an instance").register(registry);

    Map<String, DeviceMeters> byDevice = new HashMap<>();
    byInstance = new DeviceMeters[instanceDevices.size()];
    for (int i = 0; i < byInstance.length; i++) {
      byInstance[i] = byDevice.computeIfAbsent(instanceDevices.get(i),
          d -> deviceMeters(registry, tags.and("device", d), maxBatchSize));
    }
  }

  private static DeviceMeters deviceMeters(MeterRegistry registry, Tags tags, int maxBatchSize) {
    return new DeviceMeters(
        Counter.builder("hadron.inferences").tags(tags)
            .description("Inferences performed: rows of every successful batch").register(registry),
        Counter.builder("hadron.executions").tags(tags)
            .description("Successful executions (batches)").register(registry),
        latency("hadron.compute.input.duration", tags,
            "Per batch: preparing the engine's inputs (concatenating the requests' tensors)", registry),
        latency("hadron.compute.infer.duration", tags, "Per batch: the engine's execution", registry),
        latency("hadron.compute.output.duration", tags,
            "Per batch: splitting the engine's outputs back into each request's slice", registry),
        DistributionSummary.builder("hadron.batch.size").tags(tags)
            .description("Rows per successful execution")
            .serviceLevelObjectives(Buckets.batchSizes(maxBatchSize))
            .publishPercentileHistogram(false)
            .register(registry));
  }

  private static Timer latency(String name, Tags tags, String description, MeterRegistry registry) {
    return Timer.builder(name).tags(tags).description(description)
        .serviceLevelObjectives(Buckets.LATENCY)
        .publishPercentileHistogram(false)
        .register(registry);
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
    for (int i = 0, n = b.requestCount(); i < n; i++) {
      queue.record(b.queueNanos(i), TimeUnit.NANOSECONDS);
    }
    int instance = b.instance();
    DeviceMeters d = byInstance[instance < byInstance.length ? instance : 0];
    d.inferences.increment(b.rows());
    d.executions.increment();
    d.input.record(b.inputNanos(), TimeUnit.NANOSECONDS);
    d.infer.record(b.inferNanos(), TimeUnit.NANOSECONDS);
    d.output.record(b.outputNanos(), TimeUnit.NANOSECONDS);
    d.batchSize.record(b.rows());
  }
}
