package io.hadron.server;

import io.hadron.batching.BufferPool;
import io.hadron.batching.NanoClock;
import io.hadron.batching.SchedulerOptions;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.DeviceMetricsSource;
import io.hadron.gpupool.DeviceMemoryPool;
import io.hadron.gpupool.HostMemoryPool;
import io.hadron.gpupool.MemoryPools;
import io.hadron.gpupool.PoolOptions;
import io.hadron.server.cpu.EngineThreads;
import io.hadron.server.grpc.GrpcApi;
import io.hadron.server.http.HttpApi;
import io.hadron.server.infer.InferenceService;
import io.hadron.server.metrics.ServerMetrics;
import io.hadron.server.repository.BundledModels;
import io.hadron.server.repository.ModelMemory;
import io.hadron.server.repository.ModelRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Hadron server: the metrics registry, the model repository, the inference service and the
 * Vert.x front end (HTTP, gRPC, and Prometheus on its own port), wired together and started in that
 * order; stopped in reverse.
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} may be called from any thread (not an event
 * loop); a second {@code close()} waits for the first to finish.
 */
public final class HadronServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(HadronServer.class.getName());
  static final String VERSION = "0.1.0";
  /** The system property the PyTorch backend reads its native library cache folder from. */
  static final String PYTORCH_CACHE_PROPERTY = "hadron.pytorch.cache-dir";

  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final Vertx vertx;
  private final ModelRepository repository;
  private final MemoryPools pools;
  private final CompletableFuture<Void> initialLoad;
  private volatile HttpServer http;
  private volatile HttpServer grpc;
  private volatile HttpServer metricsHttp;
  private volatile boolean shuttingDown;
  private final AtomicBoolean closeStarted = new AtomicBoolean();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private HadronServer(ServerConfig config, ServerMetrics metrics, Vertx vertx, ModelRepository repository,
      MemoryPools pools, CompletableFuture<Void> load) {
    this.config = config;
    this.metrics = metrics;
    this.vertx = vertx;
    this.repository = repository;
    this.pools = pools;
    this.initialLoad = load;
  }

  /**
   * Starts listening at once and loads the models in the background; readiness turns true when
   * every model has been tried.
   */
  public static HadronServer start(ServerConfig config) {
    long t0 = System.nanoTime();
    Path root = config.modelRepository().orElseGet(() -> BundledModels.materialize(BundledModels.defaultDirectory()));
    // Read by the PyTorch backend when it first loads its engine.
    config.pytorchCacheDir().ifPresent(d -> System.setProperty(PYTORCH_CACHE_PROPERTY, d.toString()));
    List<Backend> backends = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get).toList();
    BackendOptions options = new BackendOptions(
        config.defaultMaxBatchSize(), config.intraOpThreads(), config.interOpThreads());
    ServerMetrics metrics = config.metrics()
        ? ServerMetrics.prometheus(NanoClock.SYSTEM, ServiceLoader.load(DeviceMetricsSource.class).stream()
            .map(ServiceLoader.Provider::get).toList())
        : ServerMetrics.disabled(NanoClock.SYSTEM);
    MemoryPools pools = MemoryPools.create(PoolOptions.defaults());
    ModelMemory memory = ModelMemory.create(config.hostMemoryBudget(), config.gpuMemoryFraction(), pools.devices(),
        metrics, () -> {
          pools.stagingPool().trim();
          pools.devicePools().forEach(DeviceMemoryPool::trim);
        });
    HostMemoryPool staging = pools.stagingPool();
    // Batches are assembled in pinned memory when there is a GPU (the CUDA provider copies it to the
    // device without staging), else in the plain host pool.
    BufferPool batchBuffers = new BufferPool() {
      @Override
      public ByteBuffer acquire(int bytes) {
        return staging.acquire(bytes);
      }

      @Override
      public void release(ByteBuffer buffer) {
        staging.release(buffer);
      }
    };
    EngineThreads engineThreads = EngineThreads.create(config.engineThreadPolicy());
    ModelRepository repository = new ModelRepository(
        root, backends, options,
        SchedulerOptions.defaults().withPool(batchBuffers).withInstanceThreadSetup(engineThreads::enter), metrics,
        BundledModels.defaultDirectory().resolveSibling("optimized-models"), config.modelLoadThreads(),
        config.modelControl(), memory, engineThreads);
    Vertx vertx = metrics.newVertx(listenerNames(config));
    CompletableFuture<Void> load;
    try {
      load = repository.start(config.loadModels());
    } catch (RuntimeException e) {
      repository.close();
      vertx.close();
      metrics.close();
      pools.close();
      throw e;
    }
    HadronServer server = new HadronServer(config, metrics, vertx, repository, pools, load);
    try {
      server.listen();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    server.initialLoad.whenComplete((v, e) -> LOG.log(System.Logger.Level.INFO, String.format(
        "Hadron %s ready: %d model(s) from %s (model control %s), %.1f s after start", VERSION,
        repository.models().size(), root, config.modelControl().flagValue(), (System.nanoTime() - t0) / 1e9)));
    return server;
  }

  private void listen() {
    InferenceService inference = new InferenceService(repository, config.onDemandTimeout());
    HttpApi api = new HttpApi(repository, inference, this::isReady, VERSION);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.httpPort())
        .setTcpNoDelay(true)
        .setMaxInitialLineLength(16 * 1024)
        // Triton's clients may gzip or deflate request bodies; they arrive inflated.
        .setDecompressionSupported(true);
    try {
      http = vertx.createHttpServer(options)
          .requestHandler(api.router(vertx, config.maxRequestBytes()))
          .listen()
          .await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.httpPort() + ": " + e.getMessage(), e);
    }
    LOG.log(System.Logger.Level.INFO, "KServe v2 HTTP on " + config.host() + ":" + http.actualPort());
    listenGrpc(inference);
    if (metrics.enabled()) {
      listenMetrics();
    }
  }

  /** Prometheus on its own port, so that scrapes never queue behind inference traffic. */
  private void listenMetrics() {
    HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.metricsPort());
    try {
      metricsHttp = vertx.createHttpServer(options)
          .requestHandler(metrics.endpoint(vertx))
          .listen()
          .await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot listen on " + config.host() + ":" + config.metricsPort() + ": " + e.getMessage(), e);
    }
    LOG.log(System.Logger.Level.INFO, "Prometheus metrics on " + config.host() + ":" + metricsHttp.actualPort()
        + "/metrics");
  }

  /** The {@code server} label of each listener's HTTP metrics, by port; ephemeral ports have none. */
  private static Map<Integer, String> listenerNames(ServerConfig config) {
    Map<Integer, String> names = new HashMap<>();
    names.put(config.httpPort(), "http");
    names.put(config.grpcPort(), "grpc");
    if (config.metrics()) { // off, its port is unused and may be any other's
      names.put(config.metricsPort(), "metrics");
    }
    names.remove(0);
    return names;
  }

  /** gRPC on its own port, over cleartext HTTP/2, served by the same event loops as HTTP. */
  private void listenGrpc(InferenceService inference) {
    GrpcApi api = new GrpcApi(repository, inference, this::isReady, VERSION, HttpApi.EXTENSIONS);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.grpcPort())
        .setTcpNoDelay(true)
        // A 1 MiB stream window (gRPC-Java's default) rather than HTTP/2's 64 KiB, so that a large
        // request is not throttled to one window per round trip.
        .setInitialSettings(new Http2Settings().setInitialWindowSize(1 << 20))
        .setHttp2ConnectionWindowSize(16 << 20);
    try {
      grpc = vertx.createHttpServer(options)
          .requestHandler(api.server(vertx, config.grpcMaxMessageBytes()))
          .listen()
          .await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.grpcPort() + ": " + e.getMessage(), e);
    }
    LOG.log(System.Logger.Level.INFO, "KServe v2 gRPC on " + config.host() + ":" + grpc.actualPort());
  }

  /** True once start-up loading has tried every model and until shutdown begins. */
  public boolean isReady() {
    return !shuttingDown && repository.initialLoadDone();
  }

  /** The HTTP port actually bound (differs from the configured one when that was 0). */
  public int httpPort() {
    return http.actualPort();
  }

  /** The gRPC port actually bound (differs from the configured one when that was 0). */
  public int grpcPort() {
    return grpc.actualPort();
  }

  /**
   * The metrics port actually bound.
   *
   * @throws IllegalStateException when metrics are off
   */
  public int metricsPort() {
    HttpServer m = metricsHttp;
    if (m == null) {
      throw new IllegalStateException("metrics are off");
    }
    return m.actualPort();
  }

  /** The server's metrics: the shared registry (with metrics on) and every version's statistics. */
  public ServerMetrics metrics() {
    return metrics;
  }

  public ModelRepository repository() {
    return repository;
  }

  /** Waits until start-up loading has tried every model. */
  public void awaitInitialLoad(Duration timeout) throws Exception {
    initialLoad.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops gracefully: readiness turns false at once while the server keeps serving for
   * {@link ServerConfig#shutdownDelay}, time for load balancers to stop sending it traffic; then the
   * HTTP and gRPC listeners stop accepting, and requests already queued or executing get up to
   * {@link ServerConfig#shutdownTimeout} to finish and be answered; then every model is unloaded
   * (whatever is still queued fails UNAVAILABLE), engines and their memory are freed, and Vert.x
   * stops. Metrics stay scrapeable until the end, so a drain shows on dashboards.
   */
  @Override
  public void close() {
    if (!closeStarted.compareAndSet(false, true)) {
      closed.join();
      return;
    }
    try {
      shutDown();
    } finally {
      closed.complete(null);
    }
  }

  private void shutDown() {
    long t0 = System.nanoTime();
    shuttingDown = true;
    Duration drain = config.shutdownTimeout();
    boolean serving = http != null && grpc != null;
    boolean interrupted = false;
    if (serving) {
      LOG.log(System.Logger.Level.INFO, String.format(
          "shutting down: not ready from now on; serving for %.1f s more, then draining for up to %.1f s",
          config.shutdownDelay().toMillis() / 1e3, drain.toMillis() / 1e3));
      try {
        Thread.sleep(config.shutdownDelay());
      } catch (InterruptedException e) {
        // Cut short: drain at once. The interrupt is restored at the end, not now, or every wait of
        // the drain would return at once.
        interrupted = true;
      }
    }
    long deadline = System.nanoTime() + drain.toNanos();
    // Both listeners stop accepting at once. An HTTP/1 connection closes after its response in
    // progress, an HTTP/2 one sends GOAWAY and closes when its streams are done; at the deadline,
    // whatever is still open is cut.
    try {
      Future.join(shutdown(http, drain), shutdown(grpc, drain))
          .await(drain.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "HTTP and gRPC servers did not stop cleanly: " + e);
    }
    // Requests whose connections were cut may still be queued; they get what is left of the drain.
    repository.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    try {
      if (metricsHttp != null) {
        metricsHttp.close().await(10, TimeUnit.SECONDS);
      }
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "Vert.x did not close cleanly: " + e);
    } finally {
      metrics.close();
      pools.close();
    }
    if (serving) {
      LOG.log(System.Logger.Level.INFO, String.format("stopped after %.1f s", (System.nanoTime() - t0) / 1e9));
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Future<Void> shutdown(HttpServer server, Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
