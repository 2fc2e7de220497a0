package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * One inference request as the scheduler sees it. Immutable (the tensors' bytes must not change
 * after submission; the scheduler reads them on an instance thread).
 *
 * @param inputs the request's inputs, already validated against the model configuration; with the
 *     leading batch dimension when the model's {@code max_batch_size} is above zero
 * @param outputNames the outputs to compute, in the order the response lists them; requests that
 *     ask for different outputs are never combined
 * @param priority Triton's {@code priority} request parameter: 0 for the model's default level,
 *     otherwise a level in {@code 1..priority_levels} (1 is the highest)
 * @param timeoutMicros Triton's {@code timeout} request parameter: 0 for the queue policy's default;
 *     honoured only where the policy sets {@code allow_timeout_override}, and never longer than a
 *     non-zero default
 * @param cancelled true once the client has gone away; polled before dispatch, so it must be cheap
 *     and thread-safe. A request whose client has gone is dropped, not executed
 */
public record BatchRequest(
    List<Tensor> inputs, List<String> outputNames, int priority, long timeoutMicros, BooleanSupplier cancelled) {

  /** For requests nobody can cancel. */
  public static final BooleanSupplier NEVER_CANCELLED = () -> false;

  /**
   * @throws HadronException.InvalidArgument for a negative priority or timeout
   */
  public BatchRequest {
    inputs = List.copyOf(inputs);
    outputNames = List.copyOf(outputNames);
    Objects.requireNonNull(cancelled, "cancelled");
    if (priority < 0) {
      throw new HadronException.InvalidArgument("request parameter 'priority' must be >= 0, got " + priority);
    }
    if (timeoutMicros < 0) {
      throw new HadronException.InvalidArgument(
          "request parameter 'timeout' must be >= 0 microseconds, got " + timeoutMicros);
    }
  }

  /** A request at the default priority with the default timeout, which nobody cancels. */
  public BatchRequest(List<Tensor> inputs, List<String> outputNames) {
    this(inputs, outputNames, 0, 0, NEVER_CANCELLED);
  }
}
