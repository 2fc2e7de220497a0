package io.hadron.server.metrics;

import io.hadron.batching.NanoClock;
import io.hadron.core.spi.DeviceMetricsSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link DeviceMetricsSource} as gauges labelled by device: one family per figure of
 * {@link DeviceMetricsSource.Sample}. A scrape reads the four gauges of every device; they share one
 * sample, taken when the last one is older than {@link #MAX_AGE}, so that the source is asked once
 * per scrape rather than once per gauge.
 *
 * <p>Thread-safe: the cached sample is guarded by this object's monitor (scrapes are rare and short).
 */
final class DeviceGauges {
  /** Shorter than any sensible scrape interval, longer than one scrape takes. */
  static final Duration MAX_AGE = Duration.ofMillis(500);

  private final DeviceMetricsSource source;
  private final NanoClock clock;
  private Map<String, DeviceMetricsSource.Sample> latest;
  private long sampledAt;

  private DeviceGauges(DeviceMetricsSource source, NanoClock clock) {
    this.source = source;
    this.clock = clock;
  }

  /** Registers the gauges of every device the source reports now. */
  static void bind(DeviceMetricsSource source, NanoClock clock, MeterRegistry registry) {
    DeviceGauges g = new DeviceGauges(source, clock);
    for (String device : g.samples().keySet()) {
      g.gauge(registry, device, "hadron.device.memory.total", "bytes", "Memory of the device",
          DeviceMetricsSource.Sample::memoryTotalBytes);
      g.gauge(registry, device, "hadron.device.memory.used", "bytes", "Memory in use on the device, by any process",
          DeviceMetricsSource.Sample::memoryUsedBytes);
      g.gauge(registry, device, "hadron.device.pool.reserved", "bytes",
          "Device memory Hadron's allocator has taken from the device, cached blocks included",
          DeviceMetricsSource.Sample::poolReservedBytes);
      g.gauge(registry, device, "hadron.device.pool.allocated", "bytes",
          "Device memory Hadron's allocator has lent out", DeviceMetricsSource.Sample::poolAllocatedBytes);
      g.gauge(registry, device, "hadron.device.utilization", "ratio",
          "Fraction of time the device was busy, 0 to 1", DeviceMetricsSource.Sample::utilization);
    }
  }

  private void gauge(MeterRegistry registry, String device, String name, String unit, String description,
      ToDoubleFunction<DeviceMetricsSource.Sample> figure) {
    Gauge.builder(name, this, g -> g.read(device, figure)).tag("device", device).baseUnit(unit)
        .description(description).strongReference(true).register(registry);
  }

  private double read(String device, ToDoubleFunction<DeviceMetricsSource.Sample> figure) {
    DeviceMetricsSource.Sample s = samples().get(device);
    return s == null ? Double.NaN : figure.applyAsDouble(s);
  }

  private synchronized Map<String, DeviceMetricsSource.Sample> samples() {
    long now = clock.nanoTime();
    if (latest == null || now - sampledAt > MAX_AGE.toNanos()) {
      Map<String, DeviceMetricsSource.Sample> m = new HashMap<>();
      List<DeviceMetricsSource.Sample> all = source.sample();
      for (DeviceMetricsSource.Sample s : all) {
        m.put(s.device(), s);
      }
      latest = m;
      sampledAt = now;
    }
    return latest;
  }
}
