package io.hadron.server.repository;

import io.hadron.batching.ModelScheduler;
import io.hadron.batching.SchedulerOptions;
import io.hadron.core.HadronException;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.server.cpu.EngineThreads;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The model repository in Triton's layout: {@code <root>/<model>/config.pbtxt} (optional) and
 * {@code <root>/<model>/<version>/<model file>}. With {@link ModelControl#NONE} every model found
 * loads at start; with explicit or on-demand control, models load and unload when the repository
 * API asks ({@link #load}, {@link #unload}, {@link #index}), and on demand also when a request
 * needs one ({@link #findReadyOnDemand}). Loads run on a small bounded pool; a model that fails is
 * reported (not ready, with the reason) and the others serve. Loading a model may evict idle
 * models to make room in the memory budget ({@link ModelMemory}).
 *
 * <p>Thread-safe. Model entries are published through a concurrent map; each version publishes its
 * own state (see {@link ModelVersion}); one model's loads and unloads are serialized by its
 * entry's lifecycle lock.
 */
public final class ModelRepository implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelRepository.class.getName());
  /** The --load-model value that names every model of the repository. */
  public static final String ALL_MODELS = "*";
  /** How long an eviction waits for a model another thread is loading or unloading. */
  private static final Duration EVICTION_LOCK_WAIT = Duration.ofSeconds(30);

  private final Path root;
  private final ModelControl control;
  private final ModelLoader loader;
  private final ModelMemory memory;
  private final ServerMetrics metrics;
  private final ExecutorService loaders;
  private final ConcurrentSkipListMap<String, ModelEntry> models = new ConcurrentSkipListMap<>();
  private volatile boolean initialLoadDone;

  /**
   * @param schedulerOptions what every version's scheduler gets, apart from its listener: each
   *     version listens with its own {@link VersionMetrics}
   * @param memory the budget loads reserve in; it evicts through this repository
   * @param engineThreads the CPU class engine loads run in (the instance threads get theirs through
   *     {@code schedulerOptions})
   */
  public ModelRepository(
      Path root, List<Backend> backends, BackendOptions options, SchedulerOptions schedulerOptions,
      ServerMetrics metrics, Path optimizedCache, int loadThreads, ModelControl control, ModelMemory memory,
      EngineThreads engineThreads) {
    this.root = root;
    this.control = control;
    this.metrics = metrics;
    this.memory = memory;
    this.loader =
        new ModelLoader(backends, options, schedulerOptions, metrics, optimizedCache, memory, engineThreads);
    this.loaders = Executors.newFixedThreadPool(loadThreads, namedThreads("hadron-model-loader-"));
    memory.attach(this);
  }

  private static ThreadFactory namedThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> Thread.ofPlatform().name(prefix + n.getAndIncrement()).daemon(true).unstarted(r);
  }

  public Path root() {
    return root;
  }

  public ModelControl control() {
    return control;
  }

  /**
   * Scans the repository and loads what the control mode asks for at start: every model with
   * {@link ModelControl#NONE}, else those named ({@link #ALL_MODELS} for every one). The returned
   * future completes when every model asked for has been tried, whatever the outcome; models
   * become ready one by one before that.
   *
   * @throws IllegalArgumentException when a named model is not in the repository
   */
  public CompletableFuture<Void> start(List<String> loadModels) {
    scan();
    List<String> names;
    if (control == ModelControl.NONE || loadModels.contains(ALL_MODELS)) {
      names = List.copyOf(models.keySet());
    } else {
      for (String n : loadModels) {
        if (!models.containsKey(n)) {
          throw new IllegalArgumentException("--load-model " + n + ": no such model in " + root + " (found "
              + models.keySet() + ")");
        }
      }
      names = loadModels.stream().distinct().toList();
    }
    for (ModelEntry e : models.values()) {
      if (!names.contains(e.name())) {
        e.fail("model '" + e.name() + "' is not loaded");
        e.loadingDone();
      }
    }
    List<CompletableFuture<Void>> loads = new ArrayList<>();
    for (String n : names) {
      models.get(n).loadingStarted(); // readiness says "loading" from now, not "not loaded"
      loads.add(loadAsync(models.get(n), false).exceptionally(t -> null));
    }
    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> initialLoadDone = true);
  }

  /** Adds an entry for every model directory not known yet; returns the entries now known. */
  private Collection<ModelEntry> scan() {
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
          .forEach(n -> models.computeIfAbsent(n, k -> {
            ModelEntry e = new ModelEntry(k);
            e.fail("model '" + k + "' is not loaded");
            e.loadingDone();
            return e;
          }));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list model repository " + root + ": " + e.getMessage(), e);
    }
    return models.values();
  }

  /** True once the start-up load has tried every model it was asked to load. */
  public boolean initialLoadDone() {
    return initialLoadDone;
  }

  public Collection<ModelEntry> models() {
    return List.copyOf(models.values());
  }

  public Optional<ModelEntry> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /** One row of the repository index: a model, or one version of it, and its state. */
  public record IndexEntry(String name, String version, String state, String reason) {}

  /**
   * The repository index (Triton's {@code POST /v2/repository/index}): every model in the
   * repository, picking up directories added since the last look, each version known with its
   * state; a model never loaded appears once, without a version.
   *
   * @param readyOnly only versions that are ready
   */
  public List<IndexEntry> index(boolean readyOnly) {
    List<IndexEntry> out = new ArrayList<>();
    for (ModelEntry e : scan()) {
      Collection<ModelVersion> versions = e.versions();
      if (versions.isEmpty()) {
        if (!readyOnly) {
          out.add(new IndexEntry(e.name(), "", e.isLoading() ? "LOADING" : "UNAVAILABLE", e.notReadyReason()));
        }
        continue;
      }
      for (ModelVersion v : versions) {
        if (!readyOnly || v.isReady()) {
          out.add(new IndexEntry(e.name(), v.versionString(), v.state().name(), v.reason()));
        }
      }
    }
    return out;
  }

  /**
   * Loads a model, or reloads it if it is loaded (picking up a changed configuration or new
   * versions; versions the policy no longer selects are unloaded). Completes when the model is
   * ready, or exceptionally with the reason it is not.
   *
   * @throws HadronException.InvalidArgument when model control is off
   * @throws HadronException.NotFound when the repository has no such model
   */
  public CompletableFuture<Void> load(String name) {
    requireExplicit("load");
    return loadAsync(entry(name), true);
  }

  /**
   * Unloads every version of a model: new requests are refused at once, queued and executing ones
   * get up to the scheduler's drain time to finish, then the engine and its memory are freed.
   *
   * @throws HadronException.InvalidArgument when model control is off
   * @throws HadronException.NotFound when the repository has no such model
   */
  public CompletableFuture<Void> unload(String name) {
    requireExplicit("unload");
    ModelEntry e = entry(name);
    return CompletableFuture.runAsync(() -> {
      e.lifecycle.lock();
      try {
        for (ModelVersion v : e.versions()) {
          v.unload("unloaded", ModelScheduler.DEFAULT_DRAIN);
        }
        e.fail("model '" + name + "' is unloaded");
        LOG.log(System.Logger.Level.INFO, "model '" + name + "' unloaded");
      } finally {
        e.lifecycle.unlock();
      }
    }, loaders);
  }

  private void requireExplicit(String what) {
    if (!control.explicit()) {
      throw new HadronException.InvalidArgument("cannot " + what + " models: model control is "
          + control.flagValue() + "; start the server with --model-control-mode explicit or on-demand");
    }
  }

  /** The entry of a model of the repository, looking on disk for one added since the last scan. */
  private ModelEntry entry(String name) {
    ModelEntry e = models.get(name);
    if (e == null && isModelDirectory(name)) {
      scan();
      e = models.get(name);
    }
    if (e == null) {
      throw new HadronException.NotFound("unknown model '" + name + "': no such directory in the model repository");
    }
    return e;
  }

  private boolean isModelDirectory(String name) {
    if (name.isEmpty() || name.startsWith(".") || name.contains("/") || name.contains("\\")) {
      return false;
    }
    return Files.isDirectory(root.resolve(name));
  }

  /**
   * Starts (or joins) a load of the model on the loader pool.
   *
   * @param reloadReady whether versions already ready are reloaded (an explicit load) or kept (a
   *     load on demand, which only needs the model serving)
   */
  private CompletableFuture<Void> loadAsync(ModelEntry e, boolean reloadReady) {
    return e.load(() -> CompletableFuture.runAsync(() -> loadModel(e, reloadReady), loaders))
        .thenRun(() -> {
          if (e.latestReady().isEmpty()) {
            throw new CompletionException(new HadronException.InvalidArgument(
                "failed to load model '" + e.name() + "': " + e.notReadyReason()));
          }
        });
  }

  private void loadModel(ModelEntry entry, boolean reloadReady) {
    entry.lifecycle.lock();
    try {
      entry.loadingStarted();
      Path dir = root.resolve(entry.name());
      ModelLoader.Plan plan = loader.plan(entry.name(), dir);
      for (ModelVersion v : entry.versions()) {
        if (!plan.versions().contains(v.version())) {
          v.unload("version " + v.version() + " is no longer selected by the version policy",
              ModelScheduler.DEFAULT_DRAIN);
        }
      }
      for (long v : plan.versions()) {
        ModelVersion mv = entry.addVersion(v);
        if (mv.isReady()) {
          if (!reloadReady) {
            continue;
          }
          mv.unload("reloading", ModelScheduler.DEFAULT_DRAIN);
        }
        if (mv.metrics().isEmpty() && mv.state() == ModelState.LOADING) {
          metrics.versionAdded(mv.modelName(), mv.versionString(), mv::isReady);
        }
        mv.loading();
        loader.loadVersion(mv, plan, dir.resolve(Long.toString(v)));
      }
    } catch (HadronException e) {
      entry.fail(e.getMessage());
      LOG.log(System.Logger.Level.ERROR, "model '" + entry.name() + "' not loaded: " + e.getMessage());
    } catch (RuntimeException e) {
      entry.fail(e.toString());
      LOG.log(System.Logger.Level.ERROR, "model '" + entry.name() + "' not loaded", e);
    } finally {
      entry.loadingDone();
      entry.lifecycle.unlock();
    }
  }

  /**
   * Evicts one version the memory budget chose (it was idle when chosen). Called by {@link
   * ModelMemory} on the loader thread that admits another model, holding that model's lifecycle
   * lock; it waits a bounded time for the victim's, so that two loads evicting each other's
   * models cannot deadlock. A request that arrived since the choice is not failed: the version
   * then drains (its queued and executing requests finish) before its engine is freed.
   */
  void evict(ModelVersion v) {
    ModelEntry e = models.get(v.modelName());
    if (e == null) {
      return;
    }
    boolean locked = false;
    try {
      locked = e.lifecycle.tryLock(EVICTION_LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    if (!locked) {
      LOG.log(System.Logger.Level.WARNING, "model '" + v.modelName() + "' version " + v.version()
          + " was chosen for eviction but is busy loading or unloading; left as it is");
      return;
    }
    try {
      String why = "evicted to make room for another model; " + (control == ModelControl.ON_DEMAND
          ? "the next request for it loads it again" : "load it again to serve it");
      if (!v.tryEvict(why)) {
        v.unload(why, ModelScheduler.DEFAULT_DRAIN);
      }
      metrics.versionEvicted(v.modelName(), v.versionString());
      LOG.log(System.Logger.Level.INFO, "model '" + v.modelName() + "' version " + v.version()
          + " evicted (least recently used idle model)");
    } finally {
      e.lifecycle.unlock();
    }
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

  /** True when a request for a model that is not ready should load it rather than fail. */
  public boolean loadsOnDemand() {
    return control == ModelControl.ON_DEMAND;
  }

  /**
   * With on-demand control: the ready version a request addresses, loading the model first when
   * it is not loaded (never loaded, unloaded, evicted). Completes exceptionally when the model
   * cannot load, or has not loaded within {@code timeout} (UNAVAILABLE, naming the wait).
   */
  public CompletableFuture<ModelVersion> findReadyOnDemand(String name, String version, Duration timeout) {
    ModelEntry e;
    try {
      e = entry(name);
    } catch (HadronException ex) {
      return CompletableFuture.failedFuture(ex);
    }
    return loadAsync(e, false)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((v, t) -> {
          if (t != null) {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof java.util.concurrent.TimeoutException) {
              throw new CompletionException(new HadronException.Unavailable("model '" + name
                  + "' did not load within the on-demand timeout of " + timeout.toMillis() + " ms"));
            }
            throw cause instanceof CompletionException ce ? ce : new CompletionException(cause);
          }
          return findReady(name, version);
        });
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
