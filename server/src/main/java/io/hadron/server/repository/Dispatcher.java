package io.hadron.server.repository;

import io.hadron.core.Tensor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Hands validated requests of one model version to its instances and gives back their outputs.
 *
 * <p>Implementations are thread-safe; {@link #submit} never blocks and never runs the engine on
 * the caller's thread.
 */
public interface Dispatcher extends AutoCloseable {
  /**
   * Queues one request.
   *
   * @param inputs validated inputs, batch dimension included when the model batches
   * @param outputNames outputs to return, in this order
   * @param priority request priority (0 = the model's default)
   * @param timeoutMicros request timeout (0 = the model's default)
   * @param cancelled true once the client has gone away; such a request is dropped before dispatch
   * @return outputs in {@code outputNames} order; completes exceptionally with a
   *     {@link io.hadron.core.HadronException}
   */
  CompletableFuture<List<Tensor>> submit(
      List<Tensor> inputs, List<String> outputNames, int priority, long timeoutMicros, BooleanSupplier cancelled);

  /** Requests queued and not yet executing. */
  int pendingRequests();

  /** Stops admission, lets queued work finish, stops the instance threads. */
  @Override
  void close();
}
