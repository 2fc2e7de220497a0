package io.hadron.server.infer;

import io.hadron.batching.BatchRequest;
import io.hadron.batching.ModelScheduler;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.InferenceResponse;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.server.metrics.FailureReason;
import io.hadron.server.metrics.VersionMetrics;
import io.hadron.server.repository.ModelRepository;
import io.hadron.server.repository.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * The protocol-independent inference path: find the ready model version, validate the request
 * against its configuration, hand it to the version's scheduler, and assemble the response. Every
 * request that reaches a ready version ends here once, and is recorded once in that version's
 * metrics: its duration, its outcome, and (for failures found before queuing) its failure reason;
 * the scheduler reports the reasons of the failures it decides.
 *
 * <p>Thread-safe; called from event loops, so it never blocks.
 */
public final class InferenceService {
  private final ModelRepository repository;

  public InferenceService(ModelRepository repository) {
    this.repository = repository;
  }

  /**
   * Runs one request. Validation failures complete the future exceptionally with a {@link
   * HadronException} before anything is queued.
   */
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request, BooleanSupplier cancelled) {
    ModelVersion mv;
    ModelScheduler scheduler;
    VersionMetrics metrics;
    try {
      mv = repository.findReady(request.modelName(), request.modelVersion());
      scheduler = mv.scheduler().orElseThrow(
          () -> new HadronException.Unavailable("model '" + request.modelName() + "' is not ready: " + mv.reason()));
      metrics = mv.metrics().orElseThrow();
    } catch (HadronException e) {
      return CompletableFuture.failedFuture(e); // no version to count it against
    }
    long start = metrics.requestStarted();
    BatchRequest batchRequest;
    try {
      ModelConfig config = mv.config().orElseThrow();
      List<Tensor> inputs = RequestValidator.inputs(config, request.inputs());
      List<String> outputs = RequestValidator.outputs(config, request.outputs());
      int priority = (int) uintParameter(request.parameters(), "priority", Integer.MAX_VALUE);
      long timeout = uintParameter(request.parameters(), "timeout", Long.MAX_VALUE);
      batchRequest = new BatchRequest(inputs, outputs, priority, timeout, cancelled);
    } catch (HadronException e) {
      metrics.failedBeforeQueue(FailureReason.INVALID);
      metrics.requestEnded(start, false);
      return CompletableFuture.failedFuture(e);
    }
    // One stage records the outcome and builds the response, as the single stage before did.
    return scheduler.submit(batchRequest).handle((out, failure) -> {
      metrics.requestEnded(start, failure == null);
      if (failure != null) {
        throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
      }
      return new InferenceResponse(request.modelName(), mv.versionString(), request.id(), out, Map.of());
    });
  }

  private static long uintParameter(Map<String, Object> params, String key, long max) {
    Object v = params.get(key);
    if (v == null) {
      return 0;
    }
    if (v instanceof Long l && l >= 0 && l <= max) {
      return l;
    }
    throw new HadronException.InvalidArgument(
        "parameter '" + key + "' must be an unsigned integer" + (max < Long.MAX_VALUE ? " <= " + max : "") + ", got " + v);
  }
}
