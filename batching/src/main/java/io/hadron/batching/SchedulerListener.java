package io.hadron.batching;

/**
 * Observes a scheduler for metrics. Every method has an empty default, and {@link #NOOP} is what a
 * scheduler gets when nobody listens, so the scheduler calls its listener unconditionally.
 *
 * <p>Implementations are thread-safe and quick: they are called on instance threads, the scheduler
 * thread and submitting threads, and must not block. An exception thrown by a listener is logged
 * once and otherwise ignored; it never fails a request. Each event is reported before the futures
 * it concerns complete, so whoever sees a future complete also sees its event counted.
 */
public interface SchedulerListener {
  SchedulerListener NOOP = new SchedulerListener() {};

  /** Why a request ended without being executed. */
  enum Rejection {
    /** Bad priority, oversize batch, inconsistent batch dimension (at admission). */
    INVALID,
    /** Its priority level's {@code max_queue_size} was reached (at admission). */
    QUEUE_FULL,
    /** The scheduler was closing (at admission) or closed before the request ran. */
    SHUTTING_DOWN,
    /** Its timeout passed under {@code timeout_action: REJECT}. */
    TIMED_OUT,
    /** Its client went away before it was dispatched; it was dropped. */
    CANCELLED
  }

  /**
   * One batch ran, once per batch whatever its size.
   *
   * @param instance the index of the instance that ran it
   * @param requests how many requests it combined
   * @param rows its batch size (sum of the requests' first dimensions; 1 per request for models
   *     that do not batch)
   * @param queueNanosTotal the time its requests waited in the queue, summed
   * @param queueNanosMax the longest any of its requests waited
   * @param computeNanos how long the engine took, assembly and slicing excluded
   * @param failed true when the engine (or assembly, or slicing) failed the whole batch
   */
  default void onBatch(
      int instance, int requests, int rows, long queueNanosTotal, long queueNanosMax, long computeNanos,
      boolean failed) {}

  /** One request ended without running, for the given reason. */
  default void onReject(Rejection reason) {}
}
