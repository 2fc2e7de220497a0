package io.hadron.server;

import io.hadron.batching.SchedulerOptions;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.server.grpc.GrpcApi;
import io.hadron.server.http.HttpApi;
import io.hadron.server.infer.InferenceService;
import io.hadron.server.repository.BundledModels;
import io.hadron.server.repository.ModelRepository;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Hadron server: the model repository, the inference service and the Vert.x front end, wired
 * together and started in that order; stopped in reverse.
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} may be called from any thread, once each.
 */
public final class HadronServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(HadronServer.class.getName());
  static final String VERSION = "0.1.0";

  private final ServerConfig config;
  private final Vertx vertx;
  private final ModelRepository repository;
  private final CompletableFuture<Void> initialLoad;
  private volatile HttpServer http;
  private volatile HttpServer grpc;
  private volatile boolean shuttingDown;

  private HadronServer(ServerConfig config, Vertx vertx, ModelRepository repository, CompletableFuture<Void> load) {
    this.config = config;
    this.vertx = vertx;
    this.repository = repository;
    this.initialLoad = load;
  }

  /**
   * Starts listening at once and loads the models in the background; readiness turns true when
   * every model has been tried.
   */
  public static HadronServer start(ServerConfig config) {
    long t0 = System.nanoTime();
    Path root = config.modelRepository().orElseGet(() -> BundledModels.materialize(BundledModels.defaultDirectory()));
    List<Backend> backends = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get).toList();
    BackendOptions options = new BackendOptions(
        config.defaultMaxBatchSize(), config.intraOpThreads(), config.interOpThreads());
    ModelRepository repository = new ModelRepository(
        root, backends, options, SchedulerOptions.defaults(),
        BundledModels.defaultDirectory().resolveSibling("optimized-models"), config.modelLoadThreads());
    Vertx vertx = Vertx.vertx();
    HadronServer server = new HadronServer(config, vertx, repository, repository.loadAll());
    try {
      server.listen();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    server.initialLoad.whenComplete((v, e) -> LOG.log(System.Logger.Level.INFO, String.format(
        "Hadron %s ready: %d model(s) from %s, %.1f s after start", VERSION, repository.models().size(), root,
        (System.nanoTime() - t0) / 1e9)));
    return server;
  }

  private void listen() {
    InferenceService inference = new InferenceService(repository);
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

  public ModelRepository repository() {
    return repository;
  }

  /** Waits until start-up loading has tried every model. */
  public void awaitInitialLoad(Duration timeout) throws Exception {
    initialLoad.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    shuttingDown = true;
    try {
      if (grpc != null) {
        grpc.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "gRPC server did not close cleanly: " + e);
    }
    try {
      if (http != null) {
        http.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "HTTP server did not close cleanly: " + e);
    } finally {
      repository.close();
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "Vert.x did not close cleanly: " + e);
      }
    }
  }
}
