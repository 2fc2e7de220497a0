package io.hadron.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.batching.NanoClock;
import io.hadron.core.spi.DeviceMetricsSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A device layer plugs in through {@link DeviceMetricsSource} alone. */
class DeviceGaugesTest {
  private final AtomicLong now = new AtomicLong(-Duration.ofMinutes(1).toNanos());
  private final NanoClock clock = now::get;

  /** Two GPUs whose used memory grows by one MiB per sample. */
  static final class FakeGpus implements DeviceMetricsSource {
    final AtomicInteger samples = new AtomicInteger();

    @Override
    public List<Sample> sample() {
      int n = samples.incrementAndGet();
      return List.of(new Sample("gpu0", 80e9, n * (1 << 20), 2e9, 1e9, 0.5),
          new Sample("gpu1", 80e9, Double.NaN, 0, 0, 0));
    }
  }

  @Test
  void eachDeviceFigureIsAGaugeLabelledByDeviceAndAScrapeSamplesOnce() {
    FakeGpus gpus = new FakeGpus();
    try (ServerMetrics m = ServerMetrics.prometheus(clock, List.of(gpus))) {
      PrometheusMeterRegistry r = m.registry().orElseThrow();
      now.addAndGet(DeviceGauges.MAX_AGE.toNanos() + 1);
      int before = gpus.samples.get();
      String text = r.scrape();
      assertEquals(before + 1, gpus.samples.get(), "eight gauges, one sample");
      assertTrue(text.contains("hadron_device_memory_total_bytes{device=\"gpu0\"} 8.0E10"), text);
      assertTrue(text.contains("hadron_device_memory_used_bytes{device=\"gpu0\"} " + (double) (before + 1) * (1 << 20)),
          text);
      assertTrue(text.contains("hadron_device_memory_used_bytes{device=\"gpu1\"} NaN"), text);
      assertTrue(text.contains("hadron_device_pool_allocated_bytes{device=\"gpu0\"} 1.0E9"), text);
      assertTrue(text.contains("hadron_device_utilization_ratio{device=\"gpu0\"} 0.5"), text);
    }
  }

  @Test
  void aSourceThatFailsCostsOnlyItsOwnMetrics() {
    DeviceMetricsSource broken = () -> {
      throw new IllegalStateException("no driver");
    };
    try (ServerMetrics m = ServerMetrics.prometheus(clock, List.of(broken))) {
      String text = m.registry().orElseThrow().scrape();
      assertTrue(!text.contains("hadron_device_") && text.contains("jvm_memory_used_bytes"), text);
    }
  }
}
