package io.hadron.server.repository;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A model directory of the repository: its versions, or the reason none could be loaded (a broken
 * {@code config.pbtxt}, no version directory, no backend).
 *
 * <p>Thread-safe: versions live in a concurrent map; the model-level error is volatile.
 */
public final class ModelEntry {
  private final String name;
  private final ConcurrentSkipListMap<Long, ModelVersion> versions = new ConcurrentSkipListMap<>();
  private volatile String error = "";
  private volatile boolean loading = true;

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

  void loadingDone() {
    this.loading = false;
  }
}
