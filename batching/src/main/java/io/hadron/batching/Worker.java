package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread of one model instance. It takes its next batch from the {@linkplain Shared#ready()
 * ready slot} (a batch the scheduler formed while every instance was busy) or, failing that, from
 * its own {@link #slot}; drops requests whose client has gone; assembles the inputs; runs the
 * engine; returns the buffers; and takes its next batch or tells the scheduler it is free. Slicing
 * outputs and completing requests it does itself when nothing else is waiting (quickest for the
 * client), and leaves to the {@link Completer} otherwise (quickest for the next batch).
 *
 * <p>Runs on its own platform thread; the {@link ModelInstance} is confined to it. {@link #hand}
 * is called once per idle spell, by the scheduler thread or, for an instance lent to the next
 * arrival, by a submitting thread under the mailbox lock. {@link #slot}, {@link #current} and
 * {@link #stop} are volatile so that shutdown can see and fail what it holds; and a worker that
 * sees {@code stop} fails whatever batch it holds itself, so that none is lost in between.
 */
final class Worker implements Runnable {
  final int index;
  private final ModelInstance instance;
  private final Shared shared;
  Thread thread;

  /** The next batch, handed over by the scheduler; cleared when taken. */
  private volatile Batch slot;
  /** The batch being run, or taken to run next; written before {@link #slot} is cleared. */
  private volatile Batch current;
  private volatile boolean stop;

  /** What every worker of a scheduler shares. Immutable references to thread-safe objects. */
  record Shared(
      BatchPolicy policy,
      Mailbox mailbox,
      BufferPool pool,
      NanoClock clock,
      SchedulerListener listener,
      AtomicReference<Batch> ready,
      Finisher finisher,
      Completer completer) {}

  Worker(int index, ModelInstance instance, Shared shared) {
    this.index = index;
    this.instance = instance;
    this.shared = shared;
  }

  /** Gives this idle worker its next batch. */
  void hand(Batch batch) {
    slot = batch;
    LockSupport.unpark(thread);
  }

  /** Asks the thread to exit once idle; with {@code interrupt}, also interrupts a running engine call. */
  void stop(boolean interrupt) {
    stop = true;
    LockSupport.unpark(thread);
    if (interrupt) {
      thread.interrupt();
    }
  }

  /** Shutdown: fails whatever this worker holds (the slot first, then the running batch). */
  void failHeld(HadronException e) {
    Batch waiting = slot;
    if (waiting != null) {
      waiting.failAll(e);
    }
    Batch running = current;
    if (running != null) {
      running.failAll(e);
    }
  }

  @Override
  public void run() {
    Batch next = null;
    while (true) {
      Batch b = next;
      next = null;
      if (b == null) {
        b = slot;
        if (b == null) {
          if (stop) {
            return;
          }
          // Only close() stops this thread (with stop set); a stray interrupt would otherwise make
          // park() return at once, forever.
          Thread.interrupted();
          LockSupport.park(this);
          continue;
        }
        current = b;
        slot = null;
      }
      if (stop) {
        b.failAll(new HadronException.Unavailable(shared.policy().label + " shut down before the request ran"));
        current = null;
        return;
      }
      next = run(b);
      current = next;
    }
  }

  /** Runs one batch and returns the next one if it took the ready batch, else null. */
  private Batch run(Batch batch) {
    batch.instance = index;
    long start = shared.clock().nanoTime();
    dropAbandoned(batch);
    recordQueueTimes(batch, start);
    ByteBuffer[] borrowed = null;
    try {
      if (batch.requests.length > 0) {
        Pending head = batch.head();
        List<Tensor> inputs;
        if (batch.requests.length == 1) {
          inputs = head.request.inputs(); // nothing to concatenate: the request's own buffers
        } else {
          borrowed = new ByteBuffer[head.inputs.length];
          inputs = BatchAssembler.assemble(batch, shared.pool(), borrowed);
        }
        long t0 = shared.clock().nanoTime();
        batch.inputNanos = t0 - start;
        try {
          batch.outputs = instance.execute(inputs, head.request.outputNames());
        } finally {
          batch.inferNanos = shared.clock().nanoTime() - t0;
        }
      }
    } catch (Throwable t) {
      batch.failure = engineFailure(t);
    } finally {
      if (borrowed != null) {
        release(borrowed);
      }
    }

    Batch next = shared.ready().getAndSet(null);
    // With work waiting, let the completer slice outputs, wake this batch's clients and wake the
    // scheduler while the engine runs the next batch: each wake-up costs the waker tens of
    // microseconds on a busy machine, and this thread has only one to pay then.
    boolean busy = next != null || shared.mailbox().queuedTotal() > 0;
    if (next != null) {
      current = next;
      batch.refill = true; // whoever finishes this batch asks the scheduler to form the next
    } else {
      shared.mailbox().workerFree(this);
    }
    if (!busy || !shared.completer().offer(batch)) {
      shared.finisher().finish(batch);
    }
    return next;
  }

  /** Takes out requests whose client went away since the batch was formed; they never run. */
  private void dropAbandoned(Batch batch) {
    Pending[] reqs = batch.requests;
    int kept = 0;
    for (int i = 0; i < reqs.length; i++) {
      Pending p = reqs[i];
      if (p.abandoned()) {
        shared.listener().onReject(SchedulerListener.Rejection.CANCELLED);
        p.fail(new HadronException.Unavailable(
            "request to " + shared.policy().label + " was cancelled before it ran"));
        batch.rows -= p.rows;
      } else {
        reqs[kept++] = p;
      }
    }
    if (kept < reqs.length) {
      batch.requests = Arrays.copyOf(reqs, kept);
    }
  }

  private static void recordQueueTimes(Batch batch, long start) {
    long total = 0;
    for (Pending p : batch.requests) {
      long waited = Math.max(0, start - p.arrivalNanos);
      p.queueNanos = waited;
      total += waited;
    }
    batch.queueNanosTotal = total;
  }

  private void release(ByteBuffer[] borrowed) {
    for (ByteBuffer b : borrowed) {
      if (b != null) {
        shared.pool().release(b);
      }
    }
  }

  /**
   * The failure every request of a failed batch gets: the engine's own HadronException as it is,
   * anything else as Internal with the original kept as the cause.
   */
  private HadronException engineFailure(Throwable t) {
    if (t instanceof HadronException h) {
      return h;
    }
    return new HadronException.Internal(shared.policy().label + " instance " + index + " failed: " + t, t);
  }
}
