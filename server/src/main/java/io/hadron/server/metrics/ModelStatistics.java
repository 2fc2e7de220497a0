package io.hadron.server.metrics;

import java.util.List;

/**
 * Triton's statistics of one model version at one moment, as the statistics extension reports them
 * over HTTP ({@code GET /v2/models/{m}/stats}) and gRPC ({@code ModelStatistics}). Immutable.
 *
 * <p>Per-request figures ({@code success} to {@code computeOutput}) count requests; a request's
 * compute figures are those of the batch it ran in, so a batch of four adds its infer time four
 * times. Per-batch figures ({@code batches}) count executions. Only successful requests and
 * batches enter the queue and compute figures, as in Triton; {@code fail} counts the rest.
 *
 * @param name the model
 * @param version the version
 * @param lastInferenceMillis when the last request ended, in milliseconds since the epoch; 0 if none has
 * @param inferenceCount inferences performed: the rows of every successful batch
 * @param executionCount successful executions (batches)
 * @param success requests that succeeded, and their total time from reaching the model to their outputs
 * @param fail requests that failed, and their total time
 * @param queue successful requests, and their total wait in the queue
 * @param computeInput successful requests, and their batches' input preparation time
 * @param computeInfer successful requests, and their batches' engine time
 * @param computeOutput successful requests, and their batches' output slicing time
 * @param batches one entry per batch size that has run, in ascending order
 */
public record ModelStatistics(
    String name,
    String version,
    long lastInferenceMillis,
    long inferenceCount,
    long executionCount,
    Duration success,
    Duration fail,
    Duration queue,
    Duration computeInput,
    Duration computeInfer,
    Duration computeOutput,
    List<Batch> batches) {

  public ModelStatistics {
    batches = List.copyOf(batches);
  }

  /** A count of events and their cumulative duration in nanoseconds. */
  public record Duration(long count, long ns) {
    public static final Duration ZERO = new Duration(0, 0);
  }

  /** The executions of one batch size: {@code count} of each duration is the number of executions. */
  public record Batch(int batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {}
}
