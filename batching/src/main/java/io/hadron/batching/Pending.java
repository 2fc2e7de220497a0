package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One admitted request on its way through the scheduler: its inputs in a canonical order, its
 * batch size, level and timeout, and the future its caller holds.
 *
 * <p>Final fields are written by the submitting thread before admission. {@link #arrivalNanos} and
 * {@link #deadlineNanos} are written under the mailbox lock at admission. The link fields are
 * confined to the scheduler thread (the mailbox's arrival list reuses {@link #next} under its lock
 * until the scheduler takes the request). The future is completed by whoever ends the request,
 * exactly once: the queue owns a request until dispatch, the batch after it.
 */
final class Pending {
  final BatchRequest request;
  /** The inputs sorted by name, so that requests listing them in different orders combine. */
  final Tensor[] inputs;
  final int rows;
  final int level;
  final long timeoutNanos;
  /** A hash of everything {@link #compatibleWith} compares, to reject most mismatches at once. */
  private final int signature;
  final CompletableFuture<List<Tensor>> future = new CompletableFuture<>();

  long arrivalNanos;
  long deadlineNanos;

  Pending prev;
  Pending next;
  /** Index of the queue list holding this request, or -1 when it is in none. */
  int list = -1;
  /** Position in the deadline heap, or -1 when it is not there. */
  int heapIndex = -1;

  /** How long it waited in the queue; set by the instance thread when its batch starts. */
  long queueNanos;

  /** This request's outputs, set by the instance thread between slicing and completion. */
  List<Tensor> result;

  private Pending(BatchRequest request, Tensor[] inputs, int rows, int level, long timeoutNanos, int signature) {
    this.request = request;
    this.inputs = inputs;
    this.rows = rows;
    this.level = level;
    this.timeoutNanos = timeoutNanos;
    this.signature = signature;
  }

  /**
   * Checks what the scheduler relies on (cheap re-checks of the server's validation) and prepares
   * the request for queuing.
   *
   * @throws HadronException.InvalidArgument naming the input or parameter at fault
   */
  static Pending of(BatchRequest request, BatchPolicy policy) {
    int level = policy.levelOf(request.priority());
    Tensor[] sorted = request.inputs().toArray(new Tensor[0]);
    sortByName(sorted, policy);
    int rows = policy.batched() ? batchRows(sorted, policy) : 1;
    int sig = request.outputNames().hashCode();
    for (Tensor t : sorted) {
      sig = 31 * sig + t.name().hashCode();
      sig = 31 * sig + t.datatype().ordinal();
      for (int d = policy.batched() ? 1 : 0; d < t.rank(); d++) {
        sig = 31 * sig + Long.hashCode(t.dim(d));
      }
    }
    return new Pending(request, sorted, rows, level, policy.timeoutNanos(level, request.timeoutMicros()), sig);
  }

  private static void sortByName(Tensor[] a, BatchPolicy policy) {
    for (int i = 1; i < a.length; i++) {
      Tensor t = a[i];
      int j = i - 1;
      while (j >= 0 && a[j].name().compareTo(t.name()) > 0) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = t;
    }
    for (int i = 1; i < a.length; i++) {
      if (a[i].name().equals(a[i - 1].name())) {
        throw new HadronException.InvalidArgument(
            "input '" + a[i].name() + "' appears more than once in a request for " + policy.label);
      }
    }
  }

  private static int batchRows(Tensor[] inputs, BatchPolicy policy) {
    if (inputs.length == 0) {
      throw new HadronException.InvalidArgument("a request for " + policy.label
          + " needs at least one input to carry the batch dimension (max_batch_size " + policy.maxBatchSize + ")");
    }
    long rows = -1;
    String first = null;
    for (Tensor t : inputs) {
      if (t.rank() == 0) {
        throw new HadronException.InvalidArgument("input '" + t.name() + "' has no batch dimension, but "
            + policy.label + " batches (max_batch_size " + policy.maxBatchSize + ")");
      }
      if (rows < 0) {
        rows = t.dim(0);
        first = t.name();
      } else if (t.dim(0) != rows) {
        throw new HadronException.InvalidArgument("input '" + t.name() + "' has batch size " + t.dim(0)
            + " but input '" + first + "' has " + rows + "; every input of a request has the same first dimension");
      }
    }
    if (rows < 1) {
      throw new HadronException.InvalidArgument("input '" + first + "' has batch size " + rows
          + "; it must be between 1 and max_batch_size " + policy.maxBatchSize + " of " + policy.label);
    }
    if (rows > policy.maxBatchSize) {
      throw new HadronException.InvalidArgument("input '" + first + "' has batch size " + rows
          + ", which exceeds max_batch_size " + policy.maxBatchSize + " of " + policy.label);
    }
    return (int) rows;
  }

  /** Stamps the request at admission; called under the mailbox lock. */
  void admit(long now) {
    arrivalNanos = now;
    deadlineNanos = timeoutNanos == 0 ? 0 : now + timeoutNanos;
  }

  boolean hasDeadline() {
    return timeoutNanos != 0;
  }

  /**
   * True when this request may run in one execution with {@code other}: the same outputs, the same
   * input names and datatypes, and the same dimensions apart from the batch dimension.
   */
  boolean compatibleWith(Pending other) {
    if (signature != other.signature || inputs.length != other.inputs.length) {
      return false;
    }
    if (!request.outputNames().equals(other.request.outputNames())) {
      return false;
    }
    for (int i = 0; i < inputs.length; i++) {
      Tensor a = inputs[i];
      Tensor b = other.inputs[i];
      if (a.datatype() != b.datatype() || a.rank() != b.rank() || !a.name().equals(b.name())) {
        return false;
      }
      for (int d = 1; d < a.rank(); d++) {
        if (a.dim(d) != b.dim(d)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * True when nobody waits for this request any more: its client went away, or its future was
   * completed (cancelled) from outside. A failing cancellation check counts as gone, with the
   * failure kept as the cause.
   */
  boolean abandoned() {
    if (future.isDone()) {
      return true;
    }
    try {
      return request.cancelled().getAsBoolean();
    } catch (RuntimeException e) {
      future.completeExceptionally(new HadronException.Internal("the request's cancellation check failed", e));
      return true;
    }
  }

  void fail(HadronException e) {
    future.completeExceptionally(e);
  }
}
