package io.hadron.batching;

/**
 * The queued requests in dispatch order: for each priority level, highest first, the requests still
 * in time in arrival order, then those that timed out under {@code timeout_action: DELAY}, in the
 * order they timed out. Each list is intrusive and doubly linked through {@link Pending}, so a
 * request that times out or is dropped leaves from the middle in O(1) without an allocation.
 *
 * <p>Confined to the scheduler thread.
 */
final class RequestQueues {
  private final Pending[] heads;
  private final Pending[] tails;
  private int size;
  /** Requests with a deadline that are still in time. */
  final DeadlineHeap deadlines = new DeadlineHeap();

  RequestQueues(int levels) {
    heads = new Pending[2 * levels];
    tails = new Pending[2 * levels];
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Queues a newly admitted request at the tail of its level. */
  void add(Pending p) {
    append(p, 2 * p.level);
    if (p.hasDeadline()) {
      deadlines.add(p);
    }
  }

  /** Takes a request out of the queue, wherever it is. */
  void remove(Pending p) {
    unlink(p);
    deadlines.remove(p);
  }

  /**
   * Moves a request that timed out under DELAY behind every in-time request of its level; it keeps
   * no deadline, so it waits there until it runs.
   */
  void delay(Pending p) {
    unlink(p);
    deadlines.remove(p);
    append(p, 2 * p.level + 1);
  }

  /** The first request in dispatch order, or null. */
  Pending first() {
    return firstFrom(0);
  }

  /** The request after {@code p} in dispatch order, or null. */
  Pending next(Pending p) {
    return p.next != null ? p.next : firstFrom(p.list + 1);
  }

  private Pending firstFrom(int list) {
    for (int l = list; l < heads.length; l++) {
      if (heads[l] != null) {
        return heads[l];
      }
    }
    return null;
  }

  private void append(Pending p, int list) {
    p.list = list;
    p.next = null;
    p.prev = tails[list];
    if (p.prev == null) {
      heads[list] = p;
    } else {
      p.prev.next = p;
    }
    tails[list] = p;
    size++;
  }

  private void unlink(Pending p) {
    int list = p.list;
    if (list < 0) {
      throw new IllegalStateException("request is not queued");
    }
    if (p.prev == null) {
      heads[list] = p.next;
    } else {
      p.prev.next = p.next;
    }
    if (p.next == null) {
      tails[list] = p.prev;
    } else {
      p.next.prev = p.prev;
    }
    p.prev = null;
    p.next = null;
    p.list = -1;
    size--;
  }
}
