package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.util.List;

/**
 * The requests one execution serves, in queue order, and what happened to them.
 *
 * <p>Formed by the scheduler thread and handed to one instance thread through a volatile slot or
 * the ready slot; from then on confined to that instance thread, then to whichever thread finishes
 * it (the instance's, the completer's, or another instance's when responses keep dispatch order).
 * Every hand-over goes through a volatile write or a lock. Shutdown may fail its requests from the
 * closing thread; their futures settle who completes them first. It is its own {@link
 * SchedulerListener.BatchEvent}, read by the listener on the thread that finishes it.
 */
final class Batch implements SchedulerListener.BatchEvent {
  /** Dispatch sequence number, for keeping responses in order. */
  final long seq;
  /** The requests, minus any the instance dropped because their client had gone. */
  Pending[] requests;
  int rows;
  int instance;
  long queueNanosTotal;
  long inputNanos;
  long inferNanos;
  long outputNanos;
  /** The engine's outputs, until they are sliced into the requests' results. */
  List<Tensor> outputs;
  /** The instance took the ready batch after this one: the scheduler should form another. */
  boolean refill;
  /** Set when the whole batch failed; otherwise each request's {@link Pending#result} is set. */
  HadronException failure;

  Batch(Pending[] requests, int rows, long seq) {
    this.requests = requests;
    this.rows = rows;
    this.seq = seq;
  }

  Pending head() {
    return requests[0];
  }

  @Override
  public int instance() {
    return instance;
  }

  @Override
  public int requestCount() {
    return requests.length;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public long queueNanos(int i) {
    return requests[i].queueNanos;
  }

  @Override
  public long queueNanosTotal() {
    return queueNanosTotal;
  }

  @Override
  public long inputNanos() {
    return inputNanos;
  }

  @Override
  public long inferNanos() {
    return inferNanos;
  }

  @Override
  public long outputNanos() {
    return outputNanos;
  }

  @Override
  public boolean failed() {
    return failure != null;
  }

  /** Completes every request with its outputs, or all of them with the batch's failure. */
  void complete() {
    for (Pending p : requests) {
      if (failure != null) {
        p.fail(failure);
      } else {
        p.future.complete(p.result);
      }
      p.result = null;
    }
  }

  /** Fails every request not completed yet; used when shutdown cannot wait for this batch. */
  void failAll(HadronException e) {
    for (Pending p : requests) {
      p.fail(e);
    }
  }
}
