package io.hadron.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publishes every version's {@link BatchHistograms} as Prometheus histograms, through the one
 * Prometheus registry under Micrometer's, so that they appear in the same scrape, with the names,
 * labels and buckets the Micrometer meters had: {@code hadron_queue_duration_seconds} (model,
 * version), {@code hadron_compute_{input,infer,output}_duration_seconds} and {@code
 * hadron_batch_size} (model, version, device).
 *
 * <p>Thread-safe: versions are added to a copy-on-write list (rarely: at load); a scrape reads
 * the histograms' cells with acquire ordering.
 */
final class HistogramCollector implements MultiCollector {
  private record Version(String model, String version, BatchHistograms histograms) {}

  private final CopyOnWriteArrayList<Version> versions = new CopyOnWriteArrayList<>();

  void add(String model, String version, BatchHistograms histograms) {
    versions.add(new Version(model, version, histograms));
  }

  @Override
  public MetricSnapshots collect() {
    HistogramSnapshot.Builder queue = family("hadron_queue_duration_seconds",
        "Time a request waited in the scheduler's queue before its batch started");
    HistogramSnapshot.Builder input = family("hadron_compute_input_duration_seconds",
        "Per batch: preparing the engine's inputs (concatenating the requests' tensors)");
    HistogramSnapshot.Builder infer = family("hadron_compute_infer_duration_seconds",
        "Per batch: the engine's execution");
    HistogramSnapshot.Builder output = family("hadron_compute_output_duration_seconds",
        "Per batch: splitting the engine's outputs back into each request's slice");
    HistogramSnapshot.Builder size = family("hadron_batch_size", "Rows per successful execution");
    for (Version v : versions) {
      BatchHistograms h = v.histograms();
      double[] seconds = upperBounds(h.latencyBounds(), 1e-9);
      double[] rows = upperBounds(h.sizeBounds(), 1);
      queue.dataPoint(point(seconds, h.queue(), 1e-9, Labels.of("model", v.model(), "version", v.version())));
      for (String device : h.devices()) {
        Labels labels = Labels.of("device", device, "model", v.model(), "version", v.version());
        input.dataPoint(point(seconds, h.snapshot(BatchHistograms.Kind.INPUT, device), 1e-9, labels));
        infer.dataPoint(point(seconds, h.snapshot(BatchHistograms.Kind.INFER, device), 1e-9, labels));
        output.dataPoint(point(seconds, h.snapshot(BatchHistograms.Kind.OUTPUT, device), 1e-9, labels));
        size.dataPoint(point(rows, h.snapshot(BatchHistograms.Kind.BATCH_SIZE, device), 1, labels));
      }
    }
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    if (!versions.isEmpty()) {
      out.metricSnapshot(queue.build()).metricSnapshot(input.build()).metricSnapshot(infer.build())
          .metricSnapshot(output.build()).metricSnapshot(size.build());
    }
    return out.build();
  }

  private static HistogramSnapshot.Builder family(String name, String help) {
    return HistogramSnapshot.builder().name(name).help(help);
  }

  /** The bounds in the published unit, then +Inf. */
  private static double[] upperBounds(long[] bounds, double scale) {
    double[] out = new double[bounds.length + 1];
    for (int i = 0; i < bounds.length; i++) {
      out[i] = bounds[i] * scale;
    }
    out[bounds.length] = Double.POSITIVE_INFINITY;
    return out;
  }

  private static HistogramDataPointSnapshot point(double[] bounds, BatchHistograms.Snapshot s, double scale,
      Labels labels) {
    return HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, s.counts()))
        .sum(s.sum() * scale)
        .labels(labels)
        .build();
  }
}
