package io.hadron.server.repository;

import io.hadron.batching.ModelScheduler;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.LoadedModel;
import io.hadron.server.metrics.VersionMetrics;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version of a model as the repository knows it: its state, why it is not ready when it is
 * not, and once ready its completed configuration, engine, scheduler and memory reservation.
 *
 * <p>Thread-safe: state changes publish through a single volatile snapshot, so a request thread
 * sees a consistent (state, reason, config, scheduler) tuple without locking. The metrics are
 * published before the ready snapshot, so a request that sees the version ready sees them too.
 * State changes other than a request's {@link #enter}/{@link #exit} happen under the model
 * entry's lifecycle lock, held by one loader thread at a time.
 *
 * <p>Requests in flight are counted so that eviction never takes a version that has requests
 * queued or executing, without a lock on the request path: a request increments {@link #inFlight}
 * and then reads the state; eviction writes the state and then reads {@link #inFlight}. Both are
 * volatile accesses, which the memory model orders totally, so at least one side sees the other
 * (Dekker's argument): either the request sees the version going and backs out, or eviction sees
 * the request and gives up.
 */
public final class ModelVersion {
  /** Everything that changes together. */
  private record Snapshot(ModelState state, String reason, ModelConfig config, LoadedModel loaded,
      ModelScheduler scheduler, ModelMemory.Reservation memory) {}

  private final String modelName;
  private final long version;
  private volatile Snapshot snapshot;
  private volatile Optimization optimization = Optimization.NONE;
  /** Set when the version first loads, and kept after it unloads so that its statistics remain. */
  private volatile VersionMetrics metrics;
  /** Requests that entered the ready version and have not ended: queued or executing. */
  private final AtomicInteger inFlight = new AtomicInteger();

  ModelVersion(String modelName, long version) {
    this.modelName = Objects.requireNonNull(modelName);
    this.version = version;
    this.snapshot = new Snapshot(ModelState.LOADING, "loading", null, null, null, null);
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

  /**
   * A request enters the version: counts it in flight and marks it used now for the memory
   * budget's least-recently-used order. False when
   * the version is not ready (or is being evicted); the request must then not use it, and must not
   * call {@link #exit}.
   */
  public boolean enter() {
    inFlight.incrementAndGet();
    Snapshot s = snapshot;
    if (s.state != ModelState.READY) {
      inFlight.decrementAndGet();
      return false;
    }
    if (s.memory != null) {
      s.memory.touch();
    }
    return true;
  }

  /** A request that entered has been answered. */
  public void exit() {
    inFlight.decrementAndGet();
  }

  /** Requests queued or executing on this version now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Where the version's memory is reserved while it is loaded; null otherwise. */
  ModelMemory.Reservation reservation() {
    return snapshot.memory;
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

  void ready(ModelConfig config, LoadedModel loaded, ModelScheduler scheduler, VersionMetrics metrics,
      ModelMemory.Reservation memory) {
    this.metrics = metrics;
    snapshot = new Snapshot(ModelState.READY, "", config, loaded, scheduler, memory);
  }

  void loading() {
    Snapshot s = snapshot;
    snapshot = new Snapshot(ModelState.LOADING, "loading", s.config, null, null, null);
  }

  void failed(String reason) {
    Snapshot s = snapshot;
    snapshot = new Snapshot(ModelState.UNAVAILABLE, reason, s.config, null, null, null);
  }

  /**
   * Evicts the version if no request is in flight: takes it out of service, frees the engine and
   * the memory reservation. False, leaving the version serving, when a request is queued or
   * executing (or arrives while this decides).
   */
  boolean tryEvict(String why) {
    Snapshot s = snapshot;
    if (s.state != ModelState.READY) {
      return false;
    }
    snapshot = new Snapshot(ModelState.UNLOADING, "being evicted", s.config, s.loaded, s.scheduler, s.memory);
    if (inFlight.get() > 0) {
      snapshot = s;
      return false;
    }
    unload(s, why, java.time.Duration.ZERO);
    return true;
  }

  /**
   * Takes the version out of service and frees it: new requests see it unavailable at once, queued
   * and executing ones get up to {@code drain} to finish through the scheduler, then the engine
   * closes. Called by the repository only.
   */
  void unload(String why, java.time.Duration drain) {
    Snapshot s = snapshot;
    if (s.state != ModelState.READY) {
      if (s.state != ModelState.UNLOADING) {
        snapshot = new Snapshot(ModelState.UNAVAILABLE, why, s.config, null, null, null);
      }
      return;
    }
    snapshot = new Snapshot(ModelState.UNLOADING, "unloading", s.config, null, null, null);
    unload(s, why, drain);
  }

  private void unload(Snapshot s, String why, java.time.Duration drain) {
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
        if (s.memory != null) {
          s.memory.release();
        }
      }
      snapshot = new Snapshot(ModelState.UNAVAILABLE, why, s.config, null, null, null);
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
