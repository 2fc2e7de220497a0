package io.hadron.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the one registry a server shares between its modules, with the conventions every meter
 * follows whoever registers it (Hadron's own, the JVM binders).
 *
 * <p>Stateless.
 */
final class Registries {
  /** Micrometer's process CPU time counts nanoseconds; Prometheus wants base units. */
  static final String PROCESS_CPU_NANOS = "process.cpu.time";
  /** A gauge whose Prometheus name would end in {@code _count}, which promtool reserves for histograms. */
  static final String CPU_COUNT = "system.cpu.count";

  private Registries() {}

  /**
   * A Prometheus registry whose filters give every meter Hadron's conventions: every timer that
   * states no buckets of its own (the JVM's GC pauses) is published as a histogram with {@link
   * Buckets} (the Prometheus registry would otherwise publish a summary with only a count and a
   * sum). Two JVM meters that
   * break Prometheus' naming rules are replaced: {@code process_cpu_time_ns_total} by {@code
   * process_cpu_seconds_total} (bound in {@link #bindJvm}) and {@code system_cpu_count} by {@code
   * system_cpu_available}.
   */
  static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Micrometer's default pause detector makes every timer record also update a moving-average
    // interval estimator (a clock read and shared writes) and runs a sampling thread, to
    // compensate for coordinated omission in percentiles. Hadron publishes fixed-bucket histograms,
    // never client-side percentiles, so the correction buys nothing and its cost fell on every
    // request: several timers record per inference.
    registry.config().pauseDetector(new NoPauseDetector());
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals(PROCESS_CPU_NANOS)));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().equals(CPU_COUNT) ? id.withName("system.cpu.available") : id;
      }

      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER || config.getServiceLevelObjectiveBoundaries() != null) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(Buckets.latencyNanos()).percentilesHistogram(false).build().merge(config);
      }
    });
    return registry;
  }

  /**
   * Binds the JVM and process meters: memory pools, GC, threads, class loading, JVM version, CPU,
   * uptime and open files, under Micrometer's standard names ({@code jvm_*}, {@code process_*},
   * {@code system_*}), which existing JVM dashboards expect.
   *
   * @return the binders that hold resources (GC notification listeners), to close with the registry
   */
  static List<AutoCloseable> bindJvm(MeterRegistry registry) {
    List<AutoCloseable> closeable = new ArrayList<>();
    JvmGcMetrics gc = new JvmGcMetrics();
    closeable.add(gc);
    for (MeterBinder b : List.of(new JvmMemoryMetrics(), gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
        new JvmInfoMetrics(), new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics())) {
      b.bindTo(registry);
    }
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
          .description("CPU time the JVM process has used").register(registry);
    }
    return closeable;
  }
}
