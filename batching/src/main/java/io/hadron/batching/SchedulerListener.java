package io.hadron.batching;

/**
 * Observes a scheduler for metrics. Every method has an empty default, and {@link #NOOP} is what a
 * scheduler gets when nobody listens, so the scheduler calls its listener unconditionally.
 *
 * <p>Implementations are thread-safe and quick: they are called on instance threads, the completer
 * thread, the scheduler thread and submitting threads, and must not block. An exception thrown by a
 * listener is logged once and otherwise ignored; it never fails a request. Each event is reported
 * before the futures it concerns complete, so whoever sees a future complete also sees its event
 * counted.
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
   * One executed batch, as the listener reads it. It is a view of the scheduler's own record, not a
   * copy: valid only during {@link #onBatch}, so a listener reads what it needs there and keeps no
   * reference. That keeps reporting free of allocation, and lets a listener see each request's
   * queue time with one call per batch.
   *
   * <p>The three durations partition the batch's time on its instance: {@link #inputNanos()} from
   * the moment the instance took the batch until the engine call (dropping abandoned requests,
   * concatenating inputs), {@link #inferNanos()} the engine call itself, and {@link #outputNanos()}
   * cutting the outputs back into each request's slice. Completing the futures is in none of them.
   */
  interface BatchEvent {
    /** The index of the instance that ran the batch. */
    int instance();

    /** How many requests the batch combined (those whose client left are not counted). */
    int requestCount();

    /**
     * The batch size: the sum of the requests' first dimensions; 1 per request for models that do
     * not batch.
     */
    int rows();

    /**
     * How long request {@code i} ({@code 0 <= i < requestCount()}, in queue order) waited between
     * admission and its instance taking the batch.
     */
    long queueNanos(int i);

    /** The sum of {@link #queueNanos(int)} over the batch's requests. */
    long queueNanosTotal();

    long inputNanos();

    long inferNanos();

    long outputNanos();

    /** True when the engine, input assembly or output slicing failed the whole batch. */
    boolean failed();
  }

  /** One batch ran: called once per batch whatever its size, after slicing and before completion. */
  default void onBatch(BatchEvent batch) {}

  /** One request ended without running, for the given reason. */
  default void onReject(Rejection reason) {}
}
