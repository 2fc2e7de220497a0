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
import io.hadron.server.cpu.EngineThreads;
import io.hadron.server.metrics.ServerMetrics;
import io.hadron.server.metrics.VersionMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Turns a model directory into loaded versions: reads {@code config.pbtxt}, picks the backend,
 * selects versions by the version policy, applies load-time optimization, completes the
 * configuration, makes room in the memory budget, loads the engine (on a thread in the engines' CPU
 * class, see {@link EngineThreads}) and starts the scheduler.
 *
 * <p>Thread-safe: immutable references to thread-safe collaborators; the repository makes sure
 * one model is loaded or unloaded by one thread at a time.
 */
final class ModelLoader {
  private static final System.Logger LOG = System.getLogger(ModelLoader.class.getName());
  static final String CONFIG_FILE = "config.pbtxt";
  /** Config parameter asking for load-time optimization ("int8", "fp16", "prune:0.5,int8", ...). */
  static final String OPTIMIZE = "hadron.optimize";
  /** Config parameter: the least mean cosine the optimized variant must reach (default 0.99). */
  static final String OPTIMIZE_MIN_COSINE = "hadron.optimize.min_cosine";

  private final List<Backend> backends;
  private final BackendOptions options;
  private final SchedulerOptions schedulerOptions;
  private final ServerMetrics metrics;
  private final Path optimizedCache;
  private final ModelMemory memory;
  private final EngineThreads engineThreads;

  ModelLoader(List<Backend> backends, BackendOptions options, SchedulerOptions schedulerOptions,
      ServerMetrics metrics, Path optimizedCache, ModelMemory memory, EngineThreads engineThreads) {
    this.backends = List.copyOf(backends);
    this.options = options;
    this.schedulerOptions = schedulerOptions;
    this.metrics = metrics;
    this.optimizedCache = optimizedCache;
    this.memory = memory;
    this.engineThreads = engineThreads;
  }

  /** What a model directory asks for: its configuration, backend and the versions to serve. */
  record Plan(ModelConfig config, Backend backend, SortedSet<Long> versions) {}

  /** @throws HadronException naming the file and the problem */
  Plan plan(String name, Path dir) {
    ModelConfig config = readConfig(dir, name);
    Backend backend = chooseBackend(config, dir);
    SortedSet<Long> available = versionsOnDisk(dir);
    SortedSet<Long> selected = config.versionPolicy().select(available);
    if (selected.isEmpty()) {
      throw new HadronException.InvalidArgument("model '" + name + "': no version directory in " + dir
          + (available.isEmpty() ? "" : " matches the version_policy (found " + available + ")"));
    }
    return new Plan(config, backend, selected);
  }

  /**
   * Loads one version and makes it ready; on failure the version is marked failed with the reason
   * and nothing stays allocated. Never throws for a model's own faults.
   */
  void loadVersion(ModelVersion mv, Plan plan, Path versionDir) {
    long start = System.nanoTime();
    Backend backend = plan.backend();
    ModelConfig config = plan.config();
    Path file = versionDir.resolve(backend.defaultModelFileName());
    LoadedModel loaded = null;
    ModelMemory.Reservation reservation = null;
    try {
      if (!Files.isRegularFile(file)) {
        throw new HadronException.InvalidArgument("missing model file " + file);
      }
      // Optimizing, auto-completing and loading all run the engine (optimizing and completing open
      // sessions of their own): each on a thread in the engines' CPU class, so that the threads the
      // engine starts inherit it.
      String engineThread = mv.modelName() + "/" + mv.versionString() + "/engine";
      Path source = file;
      Path fileToLoad = engineThreads.callIn(engineThread, () -> optimize(mv, config, source));
      ModelConfig completed = withDefaultBatching(config,
          engineThreads.callIn(engineThread, () -> backend.complete(config, fileToLoad, options)));
      reservation = memory.reserve(mv, completed, versionDir, fileToLoad);
      completed = reservation.placed(completed);
      ModelConfig toLoad = completed;
      loaded = reservation.measure(() -> engineThreads.callIn(engineThread,
          () -> backend.load(toLoad, fileToLoad, options)));
      // A version reloaded (after an unload or an eviction) keeps the metrics of its first load, so
      // that its counters continue rather than restart and Prometheus sees one series.
      LoadedModel l = loaded;
      VersionMetrics vm = mv.metrics().orElseGet(() -> metrics.version(mv.modelName(), mv.versionString(),
          l.config().maxBatchSize(), l.instances().stream().map(ModelInstance::device).toList()));
      ModelScheduler scheduler = ModelScheduler.start(mv.modelName(), mv.versionString(), loaded.config(),
          loaded.instances(), schedulerOptions.withListener(vm));
      vm.attach(scheduler);
      mv.ready(loaded.config(), loaded, scheduler, vm, reservation);
      metrics.versionLoaded(mv.modelName(), mv.versionString(), System.nanoTime() - start, true);
      LOG.log(System.Logger.Level.INFO, String.format(
          "model '%s' version %d ready on %s (%d instance(s), %s, %.0f ms)", mv.modelName(), mv.version(),
          backend.name(), loaded.instances().size(), reservation, (System.nanoTime() - start) / 1e6));
    } catch (RuntimeException e) {
      if (loaded != null) {
        loaded.close();
      }
      if (reservation != null) {
        reservation.release();
      }
      String reason = e instanceof HadronException ? e.getMessage() : e.toString();
      mv.failed(reason);
      metrics.versionLoaded(mv.modelName(), mv.versionString(), System.nanoTime() - start, false);
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
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }
}
