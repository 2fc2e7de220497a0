package io.hadron.server.repository;

import io.hadron.batching.ModelScheduler;
import io.hadron.batching.SchedulerOptions;
import io.hadron.core.HadronException;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import io.hadron.quantization.optimize.LoadTimeOptimizer;
import io.hadron.server.config.ModelConfigParser;
import io.hadron.server.metrics.ModelStatistics;
import io.hadron.server.metrics.ServerMetrics;
import io.hadron.server.metrics.VersionMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The model repository in Triton's layout: {@code <root>/<model>/config.pbtxt} (optional) and
 * {@code <root>/<model>/<version>/<model file>}. Loads every model found on a small bounded pool;
 * a model that fails is reported (not ready, with the reason) and the others serve.
 *
 * <p>Thread-safe. Model entries are published through a concurrent map; each version publishes its
 * own state (see {@link ModelVersion}).
 */
public final class ModelRepository implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelRepository.class.getName());
  private static final String CONFIG_FILE = "config.pbtxt";
  /** Config parameter asking for load-time optimization ("int8", "fp16", "prune:0.5,int8", ...). */
  static final String OPTIMIZE = "hadron.optimize";
  /** Config parameter: the least mean cosine the optimized variant must reach (default 0.99). */
  static final String OPTIMIZE_MIN_COSINE = "hadron.optimize.min_cosine";

  private final Path root;
  private final List<Backend> backends;
  private final BackendOptions options;
  private final SchedulerOptions schedulerOptions;
  private final ServerMetrics metrics;
  private final Path optimizedCache;
  private final ExecutorService loaders;
  private final ConcurrentSkipListMap<String, ModelEntry> models = new ConcurrentSkipListMap<>();
  private volatile boolean initialLoadDone;

  /**
   * @param schedulerOptions what every version's scheduler gets, apart from its listener: each
   *     version listens with its own {@link VersionMetrics}
   */
  public ModelRepository(
      Path root, List<Backend> backends, BackendOptions options, SchedulerOptions schedulerOptions,
      ServerMetrics metrics, Path optimizedCache, int loadThreads) {
    this.root = root;
    this.metrics = metrics;
    this.optimizedCache = optimizedCache;
    this.backends = List.copyOf(backends);
    this.options = options;
    this.schedulerOptions = schedulerOptions;
    this.loaders = Executors.newFixedThreadPool(loadThreads, namedThreads("hadron-model-loader-"));
  }

  private static ThreadFactory namedThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> Thread.ofPlatform().name(prefix + n.getAndIncrement()).daemon(true).unstarted(r);
  }

  public Path root() {
    return root;
  }

  /**
   * Scans the repository and loads every model in it. The returned future completes when every
   * model has been tried, whatever the outcome; models become ready one by one before that.
   */
  public CompletableFuture<Void> loadAll() {
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list model repository " + root, e);
    }
    List<CompletableFuture<Void>> loads = new ArrayList<>();
    for (Path dir : dirs) {
      ModelEntry entry = new ModelEntry(dir.getFileName().toString());
      models.put(entry.name(), entry);
      loads.add(CompletableFuture.runAsync(() -> loadModel(entry, dir), loaders));
    }
    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> initialLoadDone = true);
  }

  /** True once the start-up load has tried every model. */
  public boolean initialLoadDone() {
    return initialLoadDone;
  }

  public Collection<ModelEntry> models() {
    return List.copyOf(models.values());
  }

  public Optional<ModelEntry> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /**
   * The version a request addresses.
   *
   * @param version the version string from the request, or null/empty for the latest ready one
   * @throws HadronException.NotFound for an unknown model or version
   */
  public ModelVersion find(String name, String version) {
    ModelEntry entry = models.get(name);
    if (entry == null) {
      throw new HadronException.NotFound("unknown model '" + name + "'");
    }
    if (version == null || version.isEmpty()) {
      return entry.latestReady().or(entry::latest).orElseThrow(
          () -> new HadronException.Unavailable("model '" + name + "' is not ready: " + entry.notReadyReason()));
    }
    long v;
    try {
      v = Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw new HadronException.NotFound("unknown version '" + version + "' of model '" + name + "'");
    }
    return entry.version(v).orElseThrow(
        () -> new HadronException.NotFound("unknown version '" + version + "' of model '" + name + "'"));
  }

  /**
   * The ready version a request addresses.
   *
   * @throws HadronException.NotFound for an unknown model or version
   * @throws HadronException.Unavailable naming the reason when it is not ready
   */
  public ModelVersion findReady(String name, String version) {
    ModelVersion mv = find(name, version);
    if (!mv.isReady()) {
      throw new HadronException.Unavailable(
          "model '" + name + "' version " + mv.version() + " is not ready: " + mv.reason());
    }
    return mv;
  }

  /**
   * Triton's statistics of the versions a statistics request addresses: every loaded version of
   * every model when {@code name} is empty, every loaded version of the model when {@code version}
   * is, else that one version. Versions keep their statistics after they unload.
   *
   * @throws HadronException.NotFound for an unknown model or version
   * @throws HadronException.Unavailable when the model or version addressed has never loaded
   */
  public List<ModelStatistics> statistics(String name, String version) {
    if (name == null || name.isEmpty()) {
      return models.values().stream().flatMap(e -> e.versions().stream())
          .flatMap(v -> v.metrics().stream()).map(VersionMetrics::statistics).toList();
    }
    if (version != null && !version.isEmpty()) {
      ModelVersion mv = find(name, version);
      return List.of(mv.metrics().orElseThrow(() -> new HadronException.Unavailable("model '" + name
          + "' version " + mv.version() + " has no statistics: it has not loaded (" + mv.reason() + ")"))
          .statistics());
    }
    ModelEntry entry = models.get(name);
    if (entry == null) {
      throw new HadronException.NotFound("unknown model '" + name + "'");
    }
    List<ModelStatistics> all = entry.versions().stream()
        .flatMap(v -> v.metrics().stream()).map(VersionMetrics::statistics).toList();
    if (all.isEmpty()) {
      throw new HadronException.Unavailable(
          "model '" + name + "' has no statistics: no version of it has loaded (" + entry.notReadyReason() + ")");
    }
    return all;
  }

  private void loadModel(ModelEntry entry, Path dir) {
    try {
      ModelConfig config = readConfig(dir, entry.name());
      Backend backend = chooseBackend(config, dir);
      SortedSet<Long> available = versionsOnDisk(dir);
      SortedSet<Long> selected = config.versionPolicy().select(available);
      if (selected.isEmpty()) {
        throw new HadronException.InvalidArgument("model '" + entry.name() + "': no version directory in " + dir
            + (available.isEmpty() ? "" : " matches the version_policy (found " + available + ")"));
      }
      for (long v : selected) {
        ModelVersion mv = entry.addVersion(v);
        metrics.versionAdded(mv.modelName(), mv.versionString(), mv::isReady);
        loadVersion(mv, config, backend, dir.resolve(Long.toString(v)));
      }
    } catch (HadronException e) {
      entry.fail(e.getMessage());
      LOG.log(System.Logger.Level.ERROR, "model '" + entry.name() + "' not loaded: " + e.getMessage());
    } catch (RuntimeException e) {
      entry.fail(e.toString());
      LOG.log(System.Logger.Level.ERROR, "model '" + entry.name() + "' not loaded", e);
    } finally {
      entry.loadingDone();
    }
  }

  private void loadVersion(ModelVersion mv, ModelConfig config, Backend backend, Path versionDir) {
    long start = System.nanoTime();
    Path file = versionDir.resolve(backend.defaultModelFileName());
    LoadedModel loaded = null;
    try {
      if (!Files.isRegularFile(file)) {
        throw new HadronException.InvalidArgument("missing model file " + file);
      }
      file = optimize(mv, config, file);
      ModelConfig completed = withDefaultBatching(config, backend.complete(config, file, options));
      loaded = backend.load(completed, file, options);
      VersionMetrics vm = metrics.version(mv.modelName(), mv.versionString(), loaded.config().maxBatchSize(),
          loaded.instances().stream().map(ModelInstance::device).toList());
      ModelScheduler scheduler = ModelScheduler.start(mv.modelName(), mv.versionString(), loaded.config(),
          loaded.instances(), schedulerOptions.withListener(vm));
      vm.attach(scheduler);
      mv.ready(loaded.config(), loaded, scheduler, vm);
      metrics.versionLoaded(mv.modelName(), mv.versionString(), System.nanoTime() - start);
      LOG.log(System.Logger.Level.INFO, String.format("model '%s' version %d ready on %s (%d instance(s), %.0f ms)",
          mv.modelName(), mv.version(), backend.name(), loaded.instances().size(), (System.nanoTime() - start) / 1e6));
    } catch (RuntimeException e) {
      if (loaded != null) {
        loaded.close();
      }
      String reason = e instanceof HadronException ? e.getMessage() : e.toString();
      mv.failed(reason);
      metrics.versionLoaded(mv.modelName(), mv.versionString(), System.nanoTime() - start);
      LOG.log(System.Logger.Level.ERROR,
          "model '" + mv.modelName() + "' version " + mv.version() + " not loaded: " + reason,
          e instanceof HadronException ? null : e);
    }
  }

  /**
   * Applies {@code hadron.optimize} when the configuration asks for it and returns the file to
   * serve: the optimized variant if its accuracy on warm-up inputs holds, else the original (the
   * reason goes to the version's status and the log).
   */
  private Path optimize(ModelVersion mv, ModelConfig config, Path file) {
    var spec = config.parameter(OPTIMIZE);
    if (spec.isEmpty() || spec.get().isBlank()) {
      return file;
    }
    double minCosine = LoadTimeOptimizer.DEFAULT_MIN_COSINE;
    var min = config.parameter(OPTIMIZE_MIN_COSINE);
    if (min.isPresent()) {
      try {
        minCosine = Double.parseDouble(min.get().trim());
      } catch (NumberFormatException e) {
        throw new HadronException.InvalidArgument("model '" + config.name() + "': parameter " + OPTIMIZE_MIN_COSINE
            + " must be a number, got '" + min.get() + "'");
      }
    }
    LoadTimeOptimizer.Result r = LoadTimeOptimizer.optimize(file, spec.get(), minCosine, optimizedCache);
    String accuracy = r.accuracy() == null ? "no accuracy figures" : String.format(
        "mean cosine %.5f, max abs error %.4g over %d input sets", r.accuracy().meanCosine(),
        r.accuracy().maxAbsError(), r.accuracy().inputSets());
    Optimization o = r.optimized()
        ? new Optimization(r.spec(), true, accuracy + (r.cacheHit() ? " (cached)" : ""))
        : new Optimization(r.spec(), false, r.reason());
    mv.optimized(o);
    LOG.log(r.optimized() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, String.format(
        "model '%s' version %d: %s %s: %s", mv.modelName(), mv.version(), r.spec(),
        r.optimized() ? "served" : "refused, serving the original", o.detail()));
    return r.modelPath();
  }

  /**
   * As Triton does: when auto-complete is what made a model batch (the file left max_batch_size at
   * 0 and chose no scheduler), the dynamic batcher is enabled with its default settings.
   */
  static ModelConfig withDefaultBatching(ModelConfig declared, ModelConfig completed) {
    if (declared.maxBatchSize() == 0 && completed.maxBatchSize() > 1 && completed.dynamicBatching().isEmpty()) {
      return completed.toBuilder().dynamicBatching(DynamicBatching.DEFAULT).build();
    }
    return completed;
  }

  private static ModelConfig readConfig(Path dir, String name) {
    Path file = dir.resolve(CONFIG_FILE);
    ModelConfig config;
    try {
      config = Files.exists(file) ? ModelConfigParser.read(file, name) : ModelConfig.builder(name).build();
    } catch (IOException e) {
      throw new HadronException.InvalidArgument("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!config.name().equals(name)) {
      throw new HadronException.InvalidArgument(
          file + ": name '" + config.name() + "' does not match the model directory '" + name + "'");
    }
    return config;
  }

  private Backend chooseBackend(ModelConfig config, Path dir) {
    for (Backend b : backends) {
      if ((!config.backend().isEmpty() && config.backend().equals(b.name()))
          || (!config.platform().isEmpty() && b.platforms().contains(config.platform()))) {
        return b;
      }
    }
    if (!config.backend().isEmpty() || !config.platform().isEmpty()) {
      throw new HadronException.Unsupported("model '" + config.name() + "': no backend serves platform '"
          + config.platform() + "' / backend '" + config.backend() + "'; available: "
          + backends.stream().map(Backend::name).toList());
    }
    try (Stream<Path> s = Files.walk(dir, 2)) {
      List<String> files = s.map(p -> p.getFileName().toString()).toList();
      for (Backend b : backends) {
        if (files.contains(b.defaultModelFileName())) {
          return b;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new HadronException.InvalidArgument("model '" + config.name() + "': cannot tell which backend serves it;"
        + " set platform or backend in " + CONFIG_FILE + " or provide one of "
        + backends.stream().map(Backend::defaultModelFileName).toList());
  }

  private static SortedSet<Long> versionsOnDisk(Path dir) {
    SortedSet<Long> out = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory).forEach(p -> {
        String n = p.getFileName().toString();
        if (n.matches("[0-9]{1,18}")) {
          out.add(Long.parseLong(n));
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Unloads every model, each draining its queue for up to {@link ModelScheduler#DEFAULT_DRAIN}. */
  @Override
  public void close() {
    close(ModelScheduler.DEFAULT_DRAIN);
  }

  /**
   * Stops the loader pool and unloads every model: queued and executing requests get until
   * {@code drain} from now to finish (one deadline for all versions, so that shutdown stays
   * bounded however many models there are), then fail UNAVAILABLE; then the engines are freed.
   */
  public void close(Duration drain) {
    long deadline = System.nanoTime() + drain.toNanos();
    loaders.shutdownNow();
    for (ModelEntry e : models.values()) {
      for (ModelVersion v : e.versions()) {
        if (v.isReady()) {
          v.unload("server shutting down", Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
      }
    }
  }
}
