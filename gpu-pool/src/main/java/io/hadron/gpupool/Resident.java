package io.hadron.gpupool;

/**
 * What the server tells a {@link MemoryBudget} about a loaded model it admitted: whether the model
 * is serving now, and how to unload it when its memory is needed.
 *
 * <p>Implementations are thread-safe: {@link #isBusy()} is called from whichever thread admits
 * another model, under the budget's lock.
 */
public interface Resident {
  /**
   * Whether the model has requests in flight or queued, so that evicting it now would fail them. A
   * busy model is never evicted. Called under the budget's lock: read a counter, do not block.
   */
  boolean isBusy();

  /**
   * Unloads the model: called once, after the budget has already stopped counting its memory, on
   * the thread that admits the model taking its place, outside the budget's lock. It should make
   * the model unavailable to new requests first. It should not throw; if it does, the failure is
   * logged and the admission goes on.
   */
  void evict();
}
