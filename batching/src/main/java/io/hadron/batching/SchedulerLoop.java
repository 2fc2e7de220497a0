package io.hadron.batching;

import io.hadron.core.HadronException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scheduler thread's body, and the single owner of the queues and of which instances are idle.
 * Each cycle: take the mailbox's events, expire overdue requests, give every idle instance a batch
 * while the former says so, form the next batch ahead if every instance is busy and it can no longer
 * change, then sleep until the next event or the earliest of the batch-delay and request deadlines.
 * See {@link ModelScheduler} for the algorithm.
 *
 * <p>Confined to the scheduler thread, apart from construction.
 */
final class SchedulerLoop implements Runnable {
  /** Overdue requests handled per cycle before the cycle moves on (and the next one resumes). */
  static final int EXPIRE_PER_CYCLE = 1024;
  /** Arrivals moved into the queues per cycle; a larger burst waits in the backlog, in order. */
  static final int ABSORB_PER_CYCLE = 4096;

  private static final System.Logger LOG = System.getLogger(SchedulerLoop.class.getName());

  private final BatchPolicy policy;
  private final Mailbox mailbox;
  private final NanoClock clock;
  private final SchedulerListener listener;
  private final AtomicInteger inFlight;
  /** A batch formed while every instance was busy, for the first one to finish; or null. */
  private final AtomicReference<Batch> ready;
  /** Dispatch sequence numbers; the mailbox draws from it too, but only while this thread sleeps. */
  private final AtomicLong batchSeq;
  private final RequestQueues queues;
  private final BatchFormer former;
  private final Mailbox.Intake intake;
  /** Arrivals taken from the mailbox but not yet queued (beyond one cycle's share), in order. */
  private Pending backlogHead;
  private Pending backlogTail;
  private final Worker[] idle;
  private int idleCount;
  /**
   * Requests that left the queues, per level, not yet handed back to the mailbox; handed back
   * before their futures can complete.
   */
  private final int[] departures;
  private int state = Mailbox.OPEN;

  SchedulerLoop(BatchPolicy policy, Mailbox mailbox, NanoClock clock, SchedulerListener listener,
      AtomicInteger inFlight, AtomicLong batchSeq, AtomicReference<Batch> ready, Worker[] workers) {
    this.policy = policy;
    this.mailbox = mailbox;
    this.clock = clock;
    this.listener = listener;
    this.inFlight = inFlight;
    this.ready = ready;
    this.batchSeq = batchSeq;
    this.queues = new RequestQueues(policy.levels());
    this.former = new BatchFormer(policy, this::drop);
    this.intake = new Mailbox.Intake(workers.length);
    this.departures = new int[policy.levels()];
    this.idle = new Worker[workers.length];
    // Highest index on top of the stack, so that the first batch goes to instance 0.
    for (int i = workers.length - 1; i >= 0; i--) {
      idle[idleCount++] = workers[i];
    }
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (Throwable t) {
      // A bug, not a request's fault: stop admitting, fail everything held, say so once.
      LOG.log(System.Logger.Level.ERROR, policy.label + ": scheduler failed; the model stops serving", t);
      mailbox.transition(Mailbox.ABORTING, policy.label + " is unavailable: its scheduler failed");
      HadronException e = new HadronException.Internal(policy.label + ": scheduler failed: " + t, t);
      mailbox.take(departures, intake);
      failAll(e);
      mailbox.take(departures, intake);
    }
  }

  private void loop() {
    while (true) {
      mailbox.take(departures, intake);
      absorb();
      if (state == Mailbox.ABORTING) {
        failAll(new HadronException.Unavailable(policy.label + " shut down before the request was executed"));
        mailbox.take(departures, intake); // hand back the final departures
        return;
      }
      if (state == Mailbox.STOPPING && queues.isEmpty()) {
        return;
      }
      long now = clock.nanoTime();
      if (expire(now)) {
        continue;
      }
      boolean hasTimer = false;
      long timer = 0;
      boolean again = false;
      while (idleCount > 0) {
        Batch formed = ready.getAndSet(null);
        if (formed != null) {
          hand(formed); // formed while all were busy, and this instance freed before anyone took it
          continue;
        }
        int decision = former.plan(queues, now, state != Mailbox.OPEN);
        if (decision == BatchFormer.DISPATCH) {
          hand(form());
        } else if (decision == BatchFormer.WAIT) {
          hasTimer = true;
          timer = former.waitUntil;
          break;
        } else if (decision == BatchFormer.RETRY) {
          again = true;
          break;
        } else {
          break;
        }
      }
      if (again || backlogHead != null) {
        continue;
      }
      if (idleCount == 0 && ready.get() == null && !queues.isEmpty()
          && former.plan(queues, now, state != Mailbox.OPEN) == BatchFormer.DISPATCH && former.settled) {
        // Every instance is busy and the head batch can no longer change: form it now, so that the
        // first instance to finish starts it without waiting for this thread to wake up.
        ready.set(form());
      }
      Pending soonest = queues.deadlines.peek();
      if (soonest != null && (!hasTimer || soonest.deadlineNanos - timer < 0)) {
        hasTimer = true;
        timer = soonest.deadlineNanos;
      }
      Worker lend = lendable();
      mailbox.await(departures, idleCount, hasTimer, timer, lend);
    }
  }

  private void absorb() {
    if (intake.arrivals != null) {
      if (backlogHead == null) {
        backlogHead = intake.arrivals;
      } else {
        backlogTail.next = intake.arrivals;
      }
      backlogTail = intake.arrivalsTail;
      intake.arrivals = null;
      intake.arrivalsTail = null;
    }
    Pending p = backlogHead;
    for (int n = 0; p != null && n < ABSORB_PER_CYCLE; n++) {
      Pending after = p.next;
      queues.add(p);
      p = after;
    }
    backlogHead = p;
    if (p == null) {
      backlogTail = null;
    }
    for (int i = 0; i < intake.freedCount; i++) {
      idle[idleCount++] = intake.freed[i];
      intake.freed[i] = null;
    }
    intake.freedCount = 0;
    state = intake.state;
  }

  /**
   * Applies the timeout action to requests whose deadline has passed, oldest deadline first.
   *
   * @return true when more are overdue than one cycle handles
   */
  private boolean expire(long now) {
    int budget = EXPIRE_PER_CYCLE;
    Pending p;
    while ((p = queues.deadlines.peek()) != null && p.deadlineNanos - now <= 0) {
      if (budget-- == 0) {
        return true;
      }
      if (policy.delayOnTimeout(p.level)) {
        queues.delay(p);
      } else {
        queues.remove(p);
        departures[p.level]++;
        mailbox.release(departures);
        listener.onReject(SchedulerListener.Rejection.TIMED_OUT);
        p.fail(new HadronException.Unavailable("timed out after waiting "
            + Math.max(0, now - p.arrivalNanos) / 1000 + " us in the queue of " + policy.label
            + " (queue timeout " + p.timeoutNanos / 1000 + " us)"));
      }
    }
    return false;
  }

  /** Former's dropper: a request whose client went away leaves without running. */
  private void drop(Pending p) {
    queues.remove(p);
    departures[p.level]++;
    mailbox.release(departures);
    listener.onReject(SchedulerListener.Rejection.CANCELLED);
    p.fail(new HadronException.Unavailable("request to " + policy.label + " was cancelled before it ran"));
  }

  /** Takes the first {@code former.count} requests off the queue as the next batch. */
  private Batch form() {
    Pending[] reqs = new Pending[former.count];
    Pending p = queues.first();
    for (int i = 0; i < reqs.length; i++) {
      Pending after = queues.next(p);
      queues.remove(p);
      departures[p.level]++;
      reqs[i] = p;
      p = after;
    }
    // In flight before out of the queue count, so that a drain never sees the batch in neither; and
    // out of the count before any of its requests can complete.
    inFlight.incrementAndGet();
    mailbox.release(departures);
    return new Batch(reqs, former.rows, batchSeq.getAndIncrement());
  }

  /**
   * Takes out an idle instance for the next arrival to take without waking this thread, or returns
   * null. Only when the queue is empty and a lone request would go at once (no queue delay to wait
   * out), so that the arrival gets exactly what this thread would give it.
   */
  private Worker lendable() {
    boolean immediate = !policy.combine || policy.maxQueueDelayNanos == 0;
    if (!immediate || idleCount == 0 || !queues.isEmpty() || backlogHead != null || state != Mailbox.OPEN) {
      return null;
    }
    Worker w = idle[--idleCount];
    idle[idleCount] = null;
    return w;
  }

  private void hand(Batch batch) {
    Worker w = idle[--idleCount];
    idle[idleCount] = null;
    w.hand(batch);
  }

  private void failAll(HadronException e) {
    do {
      absorb();
    } while (backlogHead != null);
    Batch formed = ready.getAndSet(null);
    if (formed != null) {
      formed.failAll(e);
      inFlight.decrementAndGet();
    }
    Pending p;
    while ((p = queues.first()) != null) {
      queues.remove(p);
      departures[p.level]++;
      mailbox.release(departures);
      listener.onReject(SchedulerListener.Rejection.SHUTTING_DOWN);
      p.fail(e);
    }
  }
}
