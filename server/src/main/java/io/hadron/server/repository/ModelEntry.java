package io.hadron.server.repository;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A model directory of the repository: its versions, or the reason none could be loaded (a broken
 * {@code config.pbtxt}, no version directory, no backend, not loaded yet).
 *
 * <p>Thread-safe: versions live in a concurrent map; the model-level error is volatile; loading,
 * unloading and evicting the model's versions happen under {@link #lifecycle}, so that one thread
 * at a time changes what is loaded.
 */
public final class ModelEntry {
  private final String name;
  private final ConcurrentSkipListMap<Long, ModelVersion> versions = new ConcurrentSkipListMap<>();
  private volatile String error = "";
  private volatile boolean loading = true;
  /** Held while the model's versions load, unload or are evicted. */
  final ReentrantLock lifecycle = new ReentrantLock();
  /** The load in progress or queued, which a second request to load joins; guarded by this. */
  private CompletableFuture<Void> pendingLoad;

  ModelEntry(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Versions in ascending order. */
  public Collection<ModelVersion> versions() {
    return List.copyOf(versions.values());
  }

  public Optional<ModelVersion> version(long v) {
    return Optional.ofNullable(versions.get(v));
  }

  /** The version served when a request names none: the highest ready one. */
  public Optional<ModelVersion> latestReady() {
    return versions.descendingMap().values().stream().filter(ModelVersion::isReady).findFirst();
  }

  /** The highest version known, ready or not. */
  public Optional<ModelVersion> latest() {
    return versions.values().stream().max(Comparator.comparingLong(ModelVersion::version));
  }

  /** True while the repository is still loading this model. */
  public boolean isLoading() {
    return loading;
  }

  /** Why the model as a whole could not be loaded; empty when it could. */
  public String error() {
    return error;
  }

  /** The reason a client reads when the model is not ready. */
  public String notReadyReason() {
    if (!error.isEmpty()) {
      return error;
    }
    if (loading) {
      return "model '" + name + "' is loading";
    }
    return latest().map(v -> "version " + v.version() + ": " + v.reason()).orElse("no versions");
  }

  ModelVersion addVersion(long v) {
    return versions.computeIfAbsent(v, k -> new ModelVersion(name, k));
  }

  void fail(String reason) {
    this.error = reason;
  }

  void loadingStarted() {
    this.error = "";
    this.loading = true;
  }

  void loadingDone() {
    this.loading = false;
  }

  /**
   * The load already pending for this model, or the one {@code start} begins; a burst of requests
   * for an unloaded model causes one load.
   */
  synchronized CompletableFuture<Void> load(java.util.function.Supplier<CompletableFuture<Void>> start) {
    if (pendingLoad == null || pendingLoad.isDone()) {
      pendingLoad = start.get();
    }
    return pendingLoad;
  }
}
