package io.hadron.server.metrics;

import io.hadron.batching.ModelScheduler;
import io.hadron.batching.NanoClock;
import io.hadron.core.spi.DeviceMetricsSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.metrics.MetricsOptions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The metrics of one server: a single Prometheus registry that every part registers into (model
 * versions, Vert.x's HTTP servers, the JVM, the devices), built once by the server and passed down.
 * With metrics off there is no registry at all: model versions get no-op meters, and only Triton's
 * statistics, which the protocol serves on the inference port, are still kept.
 *
 * <p>Thread-safe.
 */
public final class ServerMetrics implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ServerMetrics.class.getName());

  private final PrometheusMeterRegistry registry;
  private final NanoClock clock;
  /** The per-batch histograms of every version, published in the same scrape as the meters. */
  private final HistogramCollector histograms = new HistogramCollector();
  private final ConcurrentHashMap<String, AtomicLong> memoryBytes = new ConcurrentHashMap<>();
  private final List<AutoCloseable> binders;
  /** Load duration of each version, by "model/version", read by its gauge. */
  private final ConcurrentHashMap<String, AtomicLong> loadNanos = new ConcurrentHashMap<>();

  private ServerMetrics(PrometheusMeterRegistry registry, NanoClock clock, List<AutoCloseable> binders) {
    this.registry = registry;
    this.clock = clock;
    this.binders = binders;
    if (registry != null) {
      registry.getPrometheusRegistry().register(histograms);
    }
  }

  /**
   * Metrics on: a Prometheus registry with the JVM and process meters bound, and gauges for every
   * device the given sources report (none without a source).
   */
  public static ServerMetrics prometheus(NanoClock clock, List<DeviceMetricsSource> devices) {
    PrometheusMeterRegistry registry = Registries.prometheus();
    ServerMetrics m = new ServerMetrics(registry, clock, Registries.bindJvm(registry));
    for (DeviceMetricsSource source : devices) {
      try {
        DeviceGauges.bind(source, clock, registry);
      } catch (RuntimeException e) {
        // A broken device layer costs its own metrics, never the server.
        LOG.log(System.Logger.Level.WARNING, "device metrics source " + source + " failed; its devices are not reported", e);
      }
    }
    return m;
  }

  /** Metrics off: no registry, no endpoint, nothing recorded but Triton's statistics. */
  public static ServerMetrics disabled(NanoClock clock) {
    return new ServerMetrics(null, clock, List.of());
  }

  public boolean enabled() {
    return registry != null;
  }

  /** The shared registry, when metrics are on. */
  public Optional<PrometheusMeterRegistry> registry() {
    return Optional.ofNullable(registry);
  }

  /**
   * The server's Vert.x instance. With metrics on, its HTTP servers report into the shared registry
   * through Vert.x's metrics SPI: requests and their duration by listener, method, route and status,
   * active requests and connections, bytes in and out.
   *
   * @param listenerNames the {@code server} label of each listening port ("http", "grpc", "metrics")
   */
  public Vertx newVertx(Map<Integer, String> listenerNames) {
    if (registry == null) {
      return Vertx.vertx();
    }
    VertxServerMetrics spi = new VertxServerMetrics(registry, listenerNames);
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MetricsOptions().setEnabled(true)))
        .withMetrics(options -> spi)
        .build();
  }

  /** The {@code /metrics} handler for the metrics port; only with metrics on. */
  public Handler<HttpServerRequest> endpoint(Vertx vertx) {
    if (registry == null) {
      throw new IllegalStateException("metrics are off; there is no endpoint to serve");
    }
    return new MetricsEndpoint(vertx, registry);
  }

  /** Registers {@code hadron_model_ready} of a version the repository found, read from {@code ready}. */
  public void versionAdded(String model, String version, BooleanSupplier ready) {
    if (registry != null) {
      Gauge.builder("hadron.model.ready", ready, r -> r.getAsBoolean() ? 1 : 0)
          .tags("model", model, "version", version).strongReference(true)
          .description("1 while the model version is ready to serve, 0 otherwise").register(registry);
    }
  }

  /**
   * Records a finished load of a version: how long it took and whether it ended ready, as the last
   * load's duration and a count of loads by outcome (a model loaded again after an unload or an
   * eviction counts once more).
   */
  public void versionLoaded(String model, String version, long nanos, boolean ok) {
    if (registry == null) {
      return;
    }
    AtomicLong holder = loadNanos.computeIfAbsent(model + "/" + version, k -> {
      AtomicLong h = new AtomicLong();
      TimeGauge.builder("hadron.model.load.duration", h, TimeUnit.NANOSECONDS, AtomicLong::doubleValue)
          .tags("model", model, "version", version).strongReference(true)
          .description("How long the last load of the model version took, successful or not").register(registry);
      return h;
    });
    holder.set(nanos);
    Counter.builder("hadron.model.loads").tags("model", model, "version", version, "outcome", ok ? "ready" : "failed")
        .description("Loads of the model version, by outcome; more than one ready load means reloads")
        .register(registry).increment();
  }

  /** Counts a version evicted from memory to make room for another model. */
  public void versionEvicted(String model, String version) {
    if (registry != null) {
      Counter.builder("hadron.model.evictions").tags("model", model, "version", version)
          .description("Times the model version was evicted to make room for another model")
          .register(registry).increment();
    }
  }

  /**
   * The holder of a version's memory footprint on one device, which the memory budget sets when it
   * admits or releases the version ({@code hadron_model_memory_bytes}; 0 while not loaded).
   */
  public AtomicLong modelMemory(String model, String version, String device) {
    return memoryBytes.computeIfAbsent(model + "/" + version + "/" + device, k -> {
      AtomicLong h = new AtomicLong();
      if (registry != null) {
        Gauge.builder("hadron.model.memory", h, AtomicLong::doubleValue).baseUnit("bytes")
            .tags("model", model, "version", version, "device", device).strongReference(true)
            .description("Memory the model version holds on the device, as the memory budget counts it")
            .register(registry);
      }
      return h;
    });
  }

  /**
   * The metrics of a version about to start serving; its meters are resolved here, once.
   *
   * @param maxBatchSize the version's completed {@code max_batch_size} (0 when it does not batch)
   * @param instanceDevices the device of each instance, by instance index
   */
  public VersionMetrics version(String model, String version, int maxBatchSize, List<String> instanceDevices) {
    AtomicReference<ModelScheduler> scheduler = new AtomicReference<>();
    VersionStats stats = new VersionStats(model, version, maxBatchSize);
    VersionMeters meters = registry == null ? VersionMeters.NOOP
        : new MicrometerVersionMeters(registry, model, version, maxBatchSize, instanceDevices, () -> {
          ModelScheduler s = scheduler.get();
          return s == null ? 0 : s.pendingRequests();
        }, stats, histograms);
    return new VersionMetrics(clock, stats, meters, scheduler);
  }

  /** Unbinds the JVM meters and closes the registry; call after Vert.x has closed. */
  @Override
  public void close() {
    for (AutoCloseable c : binders) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "closing " + c + " failed: " + e);
      }
    }
    if (registry != null) {
      registry.close();
    }
  }
}
