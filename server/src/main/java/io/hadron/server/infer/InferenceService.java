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
import java.time.Duration;
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
  private final Duration onDemandTimeout;

  /** @param onDemandTimeout how long a request waits for its model to load on demand */
  public InferenceService(ModelRepository repository, Duration onDemandTimeout) {
    this.repository = repository;
    this.onDemandTimeout = onDemandTimeout;
  }

  /**
   * Runs one request. Validation failures complete the future exceptionally with a {@link
   * HadronException} before anything is queued.
   */
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request, BooleanSupplier cancelled) {
    ModelVersion mv;
    try {
      mv = repository.findReady(request.modelName(), request.modelVersion());
    } catch (HadronException.Unavailable e) {
      if (repository.loadsOnDemand()) {
        return inferOnDemand(request, cancelled);
      }
      return CompletableFuture.failedFuture(e); // no version to count it against
    } catch (HadronException.NotFound e) {
      if (repository.loadsOnDemand() && repository.model(request.modelName()).isEmpty()) {
        // Perhaps a model directory added since the repository was last read: loading on demand
        // looks for it on disk, and answers 404 itself when it is not there either.
        return inferOnDemand(request, cancelled);
      }
      return CompletableFuture.failedFuture(e);
    } catch (HadronException e) {
      return CompletableFuture.failedFuture(e);
    }
    return infer(mv, request, cancelled, true);
  }

  /** Loads the model the request needs (or joins its load), then runs the request. */
  private CompletableFuture<InferenceResponse> inferOnDemand(InferenceRequest request, BooleanSupplier cancelled) {
    return repository.findReadyOnDemand(request.modelName(), request.modelVersion(), onDemandTimeout)
        .thenCompose(mv -> infer(mv, request, cancelled, false));
  }

  /**
   * @param retry whether a version that stops being ready between the look-up and the request's
   *     entry (evicted or unloaded at that moment) is looked up once more, loading it on demand
   */
  private CompletableFuture<InferenceResponse> infer(
      ModelVersion mv, InferenceRequest request, BooleanSupplier cancelled, boolean retry) {
    VersionMetrics metrics = mv.metrics().orElseThrow();
    long start = metrics.requestStarted();
    if (!mv.enter()) {
      if (retry && repository.loadsOnDemand()) {
        return inferOnDemand(request, cancelled);
      }
      return CompletableFuture.failedFuture(new HadronException.Unavailable(
          "model '" + request.modelName() + "' version " + mv.version() + " is not ready: " + mv.reason()));
    }
    ModelScheduler scheduler;
    BatchRequest batchRequest;
    try {
      scheduler = mv.scheduler().orElseThrow(() -> new HadronException.Unavailable(
          "model '" + request.modelName() + "' is not ready: " + mv.reason()));
      ModelConfig config = mv.config().orElseThrow();
      List<Tensor> inputs = RequestValidator.inputs(config, request.inputs());
      List<String> outputs = RequestValidator.outputs(config, request.outputs());
      int priority = (int) uintParameter(request.parameters(), "priority", Integer.MAX_VALUE);
      long timeout = uintParameter(request.parameters(), "timeout", Long.MAX_VALUE);
      batchRequest = new BatchRequest(inputs, outputs, priority, timeout, cancelled);
    } catch (HadronException e) {
      mv.exit();
      metrics.failedBeforeQueue(FailureReason.INVALID);
      metrics.requestEnded(start, false);
      return CompletableFuture.failedFuture(e);
    }
    // One stage records the outcome and builds the response, as the single stage before did.
    return scheduler.submit(batchRequest).handle((out, failure) -> {
      mv.exit();
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
