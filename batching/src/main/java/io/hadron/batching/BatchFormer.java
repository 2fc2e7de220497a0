package io.hadron.batching;

import java.util.function.Consumer;

/**
 * Decides what an idle instance runs next, given the queue and the time: a batch now, a wait until
 * some moment, or nothing. The rule is stated in {@link ModelScheduler}'s essay; in short, the
 * candidate batch is the longest compatible run at the head of the queue that fits in
 * max_batch_size, and it is sent at once when it reaches a preferred size, cannot grow, or has
 * waited max_queue_delay.
 *
 * <p>Confined to the scheduler thread; the result fields are overwritten by every {@link #plan}.
 */
final class BatchFormer {
  static final int EMPTY = 0;
  static final int DISPATCH = 1;
  static final int WAIT = 2;
  /** Dropped too many abandoned requests in one scan; plan again in the next cycle. */
  static final int RETRY = 3;

  /**
   * Abandoned requests one scan may drop before it yields. Dropping is O(1) each, but a flood of
   * cancelled requests must not hold up the rest of a cycle.
   */
  static final int MAX_DROPS_PER_SCAN = 256;

  private final BatchPolicy policy;
  private final Consumer<Pending> dropper;

  /** With DISPATCH: how many requests from the head of the queue form the batch, and their rows. */
  int count;
  int rows;
  /**
   * With DISPATCH: true when the decision is final, that is, when nothing that arrives later could
   * change it (the run is full, closed by a request that does not fit, or the scheduler is closing).
   * Only such a batch may be formed before an instance is free to take it.
   */
  boolean settled;
  /** With WAIT: when the candidate batch's max_queue_delay runs out. */
  long waitUntil;

  /** @param dropper removes an abandoned request from the queue and completes it */
  BatchFormer(BatchPolicy policy, Consumer<Pending> dropper) {
    this.policy = policy;
    this.dropper = dropper;
  }

  /**
   * Plans the next batch. Abandoned requests met on the way are handed to the dropper, so after a
   * DISPATCH the batch is exactly the first {@link #count} requests of the queue.
   *
   * @param draining true while the scheduler is closing: nothing new can arrive, so waiting for a
   *     batch to grow is pointless
   */
  int plan(RequestQueues queue, long now, boolean draining) {
    final int cap = policy.rowCap();
    Pending first = null;
    int n = 0;
    int total = 0;
    long oldest = 0;
    int bestCount = 0;
    int bestRows = 0;
    boolean closed = false;
    int drops = 0;

    Pending p = queue.first();
    while (p != null) {
      Pending after = queue.next(p);
      if (p.abandoned()) {
        dropper.accept(p);
        if (++drops == MAX_DROPS_PER_SCAN) {
          return RETRY;
        }
        p = after;
        continue;
      }
      if (first == null) {
        first = p;
        oldest = p.arrivalNanos;
      } else if (!policy.combine || total + p.rows > cap || !first.compatibleWith(p)) {
        // Whatever arrives later queues behind p, so this run can never grow.
        closed = true;
        break;
      } else if (p.arrivalNanos - oldest < 0) {
        oldest = p.arrivalNanos; // a DELAYed or lower-level request can be older than the head
      }
      n++;
      total += p.rows;
      if (policy.isPreferred(total)) {
        bestCount = n;
        bestRows = total;
      }
      if (total == cap || !policy.combine) {
        closed = true;
        break;
      }
      p = after;
    }

    if (n == 0) {
      return EMPTY;
    }
    settled = closed || draining;
    if (bestCount > 0) {
      count = bestCount;
      rows = bestRows;
      return DISPATCH;
    }
    if (closed || draining || now - oldest >= policy.maxQueueDelayNanos) {
      count = n;
      rows = total;
      return DISPATCH;
    }
    waitUntil = oldest + policy.maxQueueDelayNanos;
    return WAIT;
  }
}
