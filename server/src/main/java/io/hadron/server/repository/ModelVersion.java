package io.hadron.server.repository;

import io.hadron.batching.ModelScheduler;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.LoadedModel;
import io.hadron.server.metrics.VersionMetrics;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a model as the repository knows it: its state, why it is not ready when it is
 * not, and once ready its completed configuration, engine and scheduler.
 *
 * <p>Thread-safe: state changes publish through a single volatile snapshot, so a request thread
 * sees a consistent (state, reason, config, scheduler) tuple without locking. The metrics are
 * published before the ready snapshot, so a request that sees the version ready sees them too.
 */
public final class ModelVersion {
  /** Everything that changes together. */
  private record Snapshot(
      ModelState state, String reason, ModelConfig config, LoadedModel loaded, ModelScheduler scheduler) {}

  private final String modelName;
  private final long version;
  private volatile Snapshot snapshot;
  private volatile Optimization optimization = Optimization.NONE;
  /** Set when the version first loads, and kept after it unloads so that its statistics remain. */
  private volatile VersionMetrics metrics;

  ModelVersion(String modelName, long version) {
    this.modelName = Objects.requireNonNull(modelName);
    this.version = version;
    this.snapshot = new Snapshot(ModelState.LOADING, "loading", null, null, null);
  }

  public String modelName() {
    return modelName;
  }

  public long version() {
    return version;
  }

  public String versionString() {
    return Long.toString(version);
  }

  public ModelState state() {
    return snapshot.state;
  }

  public boolean isReady() {
    return snapshot.state == ModelState.READY;
  }

  /** Why the version is not ready ("" when it is). */
  public String reason() {
    return snapshot.state == ModelState.READY ? "" : snapshot.reason;
  }

  /** The completed configuration, once the version has been loaded. */
  public Optional<ModelConfig> config() {
    return Optional.ofNullable(snapshot.config);
  }

  /** The scheduler of a ready version. */
  public Optional<ModelScheduler> scheduler() {
    Snapshot s = snapshot;
    return s.state == ModelState.READY ? Optional.of(s.scheduler) : Optional.empty();
  }

  /**
   * What has been recorded about this version: present once it has loaded (always when it is ready),
   * and still after it is unloaded.
   */
  public Optional<VersionMetrics> metrics() {
    return Optional.ofNullable(metrics);
  }

  /** The load-time optimizer's decision for this version ({@link Optimization#NONE} if not asked). */
  public Optimization optimization() {
    return optimization;
  }

  void optimized(Optimization o) {
    this.optimization = o;
  }

  void ready(ModelConfig config, LoadedModel loaded, ModelScheduler scheduler, VersionMetrics metrics) {
    this.metrics = metrics;
    snapshot = new Snapshot(ModelState.READY, "", config, loaded, scheduler);
  }

  void failed(String reason) {
    Snapshot s = snapshot;
    snapshot = new Snapshot(ModelState.UNAVAILABLE, reason, s.config, null, null);
  }

  /**
   * Takes the version out of service and frees it: new requests see it unavailable at once, queued
   * and executing ones get up to {@code drain} to finish through the scheduler, then the engine
   * closes. Called by the repository only.
   */
  void unload(String why, java.time.Duration drain) {
    Snapshot s = snapshot;
    snapshot = new Snapshot(ModelState.UNLOADING, "unloading", s.config, null, null);
    try {
      if (s.scheduler != null) {
        s.scheduler.close(drain);
      }
    } finally {
      VersionMetrics m = metrics;
      if (m != null) {
        m.detach();
      }
      // An engine call that ignored the interrupt may still be running: freeing the engine under
      // it would crash the process, so such a version's engine is left for the JVM to reclaim.
      if (s.loaded != null && terminated(s.scheduler)) {
        s.loaded.close();
      }
      snapshot = new Snapshot(ModelState.UNAVAILABLE, why, s.config, null, null);
    }
  }

  private boolean terminated(ModelScheduler scheduler) {
    if (scheduler == null) {
      return true;
    }
    try {
      if (scheduler.awaitTermination(java.time.Duration.ofSeconds(10))) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.getLogger(ModelVersion.class.getName()).log(System.Logger.Level.ERROR, "model '" + modelName
        + "' version " + version + ": instance threads still running after the drain; engine not freed");
    return false;
  }

  @Override
  public String toString() {
    return modelName + "/" + version + " " + snapshot.state;
  }
}
