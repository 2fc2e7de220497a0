package io.hadron.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoded, validated-for-syntax inference request. The server checks it against the model's
 * metadata before any engine sees it.
 *
 * <p>Immutable.
 *
 * @param modelName the model addressed
 * @param modelVersion the version addressed, or {@code null} for the server's choice
 * @param id the client's request id, echoed in the response; {@code null} when absent
 * @param inputs the input tensors in request order
 * @param outputs the outputs asked for, in requested order; empty means "all, in model order"
 * @param parameters request-level parameters (values are String, Long, Double or Boolean)
 */
public record InferenceRequest(
    String modelName,
    String modelVersion,
    String id,
    List<Tensor> inputs,
    List<RequestedOutput> outputs,
    Map<String, Object> parameters) {
  public InferenceRequest {
    Objects.requireNonNull(modelName, "modelName");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    parameters = Map.copyOf(parameters);
  }
}
