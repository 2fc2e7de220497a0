package io.hadron.batching;

import io.hadron.core.HadronException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The last step of every batch: wake the scheduler if the instance took the ready batch (so that it
 * forms the next), slice the outputs into each request's result, report the batch, complete its
 * requests (in dispatch order when {@code preserve_ordering} asks for it) and account for it. Runs
 * on an instance thread or on the completer thread.
 *
 * <p>Thread-safe: holds only immutable references to thread-safe collaborators; a batch is
 * finished by exactly one thread.
 */
final class Finisher {
  private static final System.Logger LOG = System.getLogger(Finisher.class.getName());

  private final BatchPolicy policy;
  private final Mailbox mailbox;
  private final SchedulerListener listener;
  private final NanoClock clock;
  private final OrderedCompletion ordered;
  private final AtomicInteger inFlight;

  /** @param ordered null unless responses keep dispatch order */
  Finisher(BatchPolicy policy, Mailbox mailbox, SchedulerListener listener, NanoClock clock,
      OrderedCompletion ordered, AtomicInteger inFlight) {
    this.policy = policy;
    this.mailbox = mailbox;
    this.listener = listener;
    this.clock = clock;
    this.ordered = ordered;
    this.inFlight = inFlight;
  }

  /** Never throws: whatever goes wrong, every request of the batch is completed. */
  void finish(Batch batch) {
    try {
      if (batch.refill) {
        mailbox.poke();
      }
      if (batch.requests.length > 0) {
        if (batch.failure == null) {
          long t0 = clock.nanoTime();
          try {
            OutputSlicer.distribute(batch, batch.outputs, batch.head().request.outputNames(), policy.label);
          } catch (RuntimeException e) {
            batch.failure = e instanceof HadronException h ? h
                : new HadronException.Internal(policy.label + ": splitting the batch's outputs failed: " + e, e);
          }
          batch.outputNanos = clock.nanoTime() - t0;
        }
        batch.outputs = null;
        listener.onBatch(batch);
      }
      if (ordered != null) {
        ordered.done(batch);
      } else {
        batch.complete();
      }
    } catch (RuntimeException | Error e) {
      // A bug here must not leave clients waiting, nor kill the thread that finishes batches.
      LOG.log(System.Logger.Level.ERROR, policy.label + ": finishing a batch failed", e);
      batch.failAll(new HadronException.Internal(policy.label + ": finishing the batch failed: " + e, e));
    } finally {
      if (inFlight.decrementAndGet() == 0 && mailbox.state() != Mailbox.OPEN) {
        mailbox.signalChanged();
      }
    }
  }
}
