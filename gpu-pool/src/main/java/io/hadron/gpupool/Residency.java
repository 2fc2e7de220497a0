package io.hadron.gpupool;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * A model's place in a {@link MemoryBudget}: where it went, what left to make room, and the
 * handle through which the request path marks it used ({@link #touch()}) and the unload path
 * gives its memory back ({@link #release()}).
 *
 * <p>Thread-safe: {@link #touch()} is one volatile write, safe from any request thread; the rest is
 * immutable or guarded by the budget's lock.
 */
public final class Residency {
  private final MemoryBudget budget;
  private final Footprint footprint;
  private final List<Footprint> evicted;
  private final Resident callbacks;
  private final LongSupplier clock;
  /**
   * The clock's reading at the last use. A plain volatile: the request path only writes it (no
   * read-modify-write, so no contention beyond the cache line), and the rare eviction planning
   * reads every resident's value under the budget's lock; a touch that races a plan may or may not
   * be seen, which shifts that one decision by one request and nothing else.
   */
  private volatile long lastUsedNanos;
  /** Whether the budget counts this model's bytes. Guarded by the budget's lock. */
  boolean counted = true;

  Residency(
      MemoryBudget budget, Footprint footprint, List<Footprint> evicted, Resident callbacks, LongSupplier clock, long now) {
    this.budget = budget;
    this.footprint = footprint;
    this.evicted = List.copyOf(evicted);
    this.callbacks = callbacks;
    this.clock = clock;
    this.lastUsedNanos = now;
  }

  /** Marks the model used now: call on every request. */
  public void touch() {
    lastUsedNanos = clock.getAsLong();
  }

  /** Gives the model's memory back to the budget (on unload). Idempotent; a no-op after eviction. */
  public void release() {
    budget.release(this);
  }

  public Footprint footprint() {
    return footprint;
  }

  /** The device label the model was placed on. */
  public String device() {
    return footprint.device();
  }

  /** The models evicted to make room for this one, least recently used first. */
  public List<Footprint> evicted() {
    return evicted;
  }

  /** Whether the budget still counts this model (false after release or eviction). */
  public boolean isResident() {
    return budget.isResident(this);
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  Resident callbacks() {
    return callbacks;
  }

  @Override
  public String toString() {
    return "Residency[" + footprint + "]";
  }
}
