package io.hadron.batching;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything that crosses into the scheduler thread: admitted requests, instances that became free,
 * and lifecycle changes; the per-level counts that admission checks; and, while the scheduler
 * sleeps with nothing queued, an idle instance lent to the next arrival (see {@link #offer}).
 *
 * <p>Admission ({@link #offer}) is one critical section: the state check, the count check, the
 * count increment and the append happen together, so a queue limit can never be overshot and a
 * request is never admitted after close. The scheduler thread takes every event at once (an O(1)
 * splice of the arrival list) and hands back the counts of requests that left its queues (once per
 * batch formed), so the lock is held for a few field writes on either side.
 *
 * <p>Thread-safe; every field is guarded by {@link #lock}, except {@link #queuedTotal} and
 * {@link #state}, which are also published volatile for lock-free reads.
 */
final class Mailbox {
  enum Admission { ACCEPTED, QUEUE_FULL, CLOSED }

  static final int OPEN = 0;
  /** close() began: no admission; the scheduler dispatches what it holds without waiting. */
  static final int CLOSING = 1;
  /** Drained: the scheduler exits. */
  static final int STOPPING = 2;
  /** The drain time ran out, or the scheduler failed: the scheduler fails what it holds and exits. */
  static final int ABORTING = 3;

  /** What the scheduler thread takes in one go. Confined to the scheduler thread. */
  static final class Intake {
    Pending arrivals;
    Pending arrivalsTail;
    final Worker[] freed;
    int freedCount;
    int state;

    Intake(int workers) {
      freed = new Worker[workers];
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition schedulerWake = lock.newCondition();
  /** Signalled when the scheduler starts waiting, and when draining may have finished. */
  private final Condition changed = lock.newCondition();
  private final NanoClock clock;
  private final BatchPolicy policy;
  private final AtomicInteger inFlight;
  private final AtomicLong batchSeq;
  private final AtomicReference<Batch> ready;
  /** A lone request would be dispatched at once (no queue delay to wait out). */
  private final boolean lendable;

  private final int[] queued;
  private volatile int queuedTotal;
  private Pending arrivalsHead;
  private Pending arrivalsTail;
  private final Worker[] freed;
  private int freedCount;
  private boolean poked;
  private volatile int state = OPEN;
  private String closedReason = "";

  private boolean schedulerWaiting;
  /** A wake-up was sent since the scheduler last went to sleep. */
  private boolean schedulerSignalled;
  /** Instances idle in the sleeping scheduler's view, less the one lent if it was taken. */
  private int schedulerIdle;
  private boolean schedulerHasTimer;
  private long schedulerTimer;
  /**
   * An idle instance lent to the next arrival while the scheduler sleeps; null when none. Lent only
   * while nothing is queued and a lone request would be dispatched at once, so handing it the
   * instance here is exactly the scheduler's own decision, one thread hand-off sooner. The
   * scheduler gets an untaken lent instance back, as freed, at its next {@link #take}.
   */
  private Worker lent;

  /**
   * @param inFlight batches formed and not yet finished, shared with the scheduler and instances
   * @param batchSeq the dispatch sequence, shared with the scheduler
   * @param ready the batch formed ahead for the first instance to finish, shared likewise
   */
  Mailbox(BatchPolicy policy, NanoClock clock, int workers, AtomicInteger inFlight, AtomicLong batchSeq,
      AtomicReference<Batch> ready) {
    this.policy = policy;
    this.clock = clock;
    this.inFlight = inFlight;
    this.batchSeq = batchSeq;
    this.ready = ready;
    this.lendable = !policy.combine || policy.maxQueueDelayNanos == 0;
    this.queued = new int[policy.levels()];
    this.freed = new Worker[workers];
  }

  /**
   * Admits a request or says why not, atomically. Stamps its arrival time under the lock, so that
   * arrival order and arrival times agree.
   */
  Admission offer(Pending p) {
    lock.lock();
    try {
      if (state != OPEN) {
        return Admission.CLOSED;
      }
      int limit = policy.queueLimit(p.level);
      if (limit > 0 && queued[p.level] >= limit) {
        return Admission.QUEUE_FULL;
      }
      p.admit(clock.nanoTime());
      if (lent != null && arrivalsHead == null) {
        // Nothing queued, nothing ahead of it, an instance idle: it runs now, alone.
        Worker w = lent;
        lent = null;
        inFlight.incrementAndGet();
        w.hand(new Batch(new Pending[] {p}, p.rows, batchSeq.getAndIncrement()));
        return Admission.ACCEPTED;
      }
      queued[p.level]++;
      queuedTotal++;
      if (arrivalsTail == null) {
        arrivalsHead = p;
      } else {
        arrivalsTail.next = p;
      }
      arrivalsTail = p;
      // Wake the scheduler only when it can act: an instance is idle, or the new deadline comes
      // before the one it sleeps towards. Otherwise the next free instance brings it in.
      if (schedulerWaiting
          && (schedulerIdle > 0 || freedCount > 0
              || (p.hasDeadline() && (!schedulerHasTimer || p.deadlineNanos - schedulerTimer < 0)))) {
        wakeScheduler();
      }
      return Admission.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  /** Requests admitted and not yet dispatched, rejected or dropped. */
  int queuedTotal() {
    return queuedTotal;
  }

  int state() {
    return state;
  }

  /** Why admission is refused, once it is. */
  String closedReason() {
    lock.lock();
    try {
      return closedReason;
    } finally {
      lock.unlock();
    }
  }

  /** An instance finished executing and can take the next batch. Called on its thread. */
  void workerFree(Worker w) {
    lock.lock();
    try {
      // The scheduler sleeps (so forms nothing), holds nothing queued or ready, and nothing is on its
      // way in: this instance can wait for the next arrival here, without the scheduler.
      if (lendable && lent == null && schedulerWaiting && state == OPEN && queuedTotal == 0
          && arrivalsHead == null && ready.get() == null) {
        lent = w;
        return;
      }
      freed[freedCount++] = w;
      if (schedulerWaiting && (queuedTotal > 0 || state != OPEN)) {
        wakeScheduler();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Moves the scheduler to {@code newState} (only forwards) and wakes it. */
  boolean transition(int newState, String reason) {
    lock.lock();
    try {
      if (newState <= state) {
        return false;
      }
      if (state == OPEN) {
        closedReason = reason;
      }
      state = newState;
      poked = true;
      wakeScheduler();
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Makes the scheduler run a cycle now, e.g. after a fake clock moved. */
  void poke() {
    lock.lock();
    try {
      poked = true;
      wakeScheduler();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes whoever waits for the drain to finish. */
  void signalChanged() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Scheduler thread: hands back the counts of requests that left the queues (and zeroes them), and
   * takes every pending event.
   */
  void take(int[] departures, Intake into) {
    lock.lock();
    try {
      applyDepartures(departures);
      into.arrivals = arrivalsHead;
      into.arrivalsTail = arrivalsTail;
      arrivalsHead = null;
      arrivalsTail = null;
      poked = false;
      if (lent != null) {
        freed[freedCount++] = lent; // not taken: back to the scheduler's idle set
        lent = null;
      }
      System.arraycopy(freed, 0, into.freed, 0, freedCount);
      java.util.Arrays.fill(freed, 0, freedCount, null);
      into.freedCount = freedCount;
      freedCount = 0;
      into.state = state;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Scheduler thread: hands back departures, then sleeps until an event arrives or, with a timer,
   * until the clock reaches {@code timer}. Returns at once when events are already pending. The
   * sleep is a real-time wait of the clock's remaining distance, so with a fake clock the scheduler
   * re-checks now and then and acts when {@link #poke} tells it the clock moved. Interrupts are
   * ignored: this is the scheduler's own thread, and it stops through {@link #transition}.
   *
   * @param idle how many instances the scheduler holds idle; arrivals wake it only when it has one
   * @param lend an idle instance, taken out of the scheduler's idle set, that the next arrival may
   *     take directly; or null. The next {@link #take} returns it if no arrival took it
   */
  void await(int[] departures, int idle, boolean hasTimer, long timer, Worker lend) {
    lock.lock();
    try {
      applyDepartures(departures);
      if (lend != null) {
        lent = lend; // even when returning at once: the next take() gives it back if untaken
      }
      if (arrivalsHead != null || freedCount > 0 || poked) {
        return;
      }
      long wait = hasTimer ? timer - clock.nanoTime() : 1;
      if (wait <= 0) {
        return;
      }
      schedulerWaiting = true;
      schedulerSignalled = false;
      schedulerIdle = idle;
      schedulerHasTimer = hasTimer;
      schedulerTimer = timer;
      changed.signalAll();
      try {
        if (hasTimer) {
          schedulerWake.awaitNanos(wait);
        } else {
          schedulerWake.await();
        }
      } catch (InterruptedException e) {
        // Not a stop signal here; see the method comment.
      } finally {
        schedulerWaiting = false;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Scheduler thread: hands back the counts of requests that left the queues (and zeroes them).
   * Called before the requests' futures can complete, so that a client who sees its request end
   * also sees its queue slot free.
   */
  void release(int[] departures) {
    lock.lock();
    try {
      applyDepartures(departures);
    } finally {
      lock.unlock();
    }
  }

  private void wakeScheduler() {
    schedulerSignalled = true;
    schedulerWake.signal();
  }

  private void applyDepartures(int[] departures) {
    int total = 0;
    for (int l = 0; l < departures.length; l++) {
      queued[l] -= departures[l];
      total += departures[l];
      departures[l] = 0;
    }
    if (total > 0) {
      queuedTotal -= total;
      if (queuedTotal == 0 && state != OPEN) {
        changed.signalAll();
      }
    }
  }

  /**
   * Waits until nothing is queued and no batch is in flight, or the time runs out (real time, not
   * the scheduler's clock: this bounds an operator's shutdown).
   *
   * @return true when drained
   */
  boolean awaitDrained(long timeoutNanos, AtomicInteger inFlight) {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (queuedTotal != 0 || inFlight.get() != 0) {
        if (remaining <= 0) {
          return false;
        }
        remaining = changed.awaitNanos(remaining);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * For tests: waits until the scheduler sleeps and nothing has been sent that would wake it. Events
   * it chose not to be woken for (arrivals while every instance is busy) may still be pending.
   */
  boolean awaitSettled(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (!(schedulerWaiting && !schedulerSignalled && !poked)) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        changed.await(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
