package io.hadron.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one inference request: the outputs in the order the client asked for them (or the
 * model's order when it asked for none). Immutable.
 *
 * @param id the request's id, or {@code null}
 */
public record InferenceResponse(
    String modelName, String modelVersion, String id, List<Tensor> outputs, Map<String, Object> parameters) {
  public InferenceResponse {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(modelVersion, "modelVersion");
    outputs = List.copyOf(outputs);
    parameters = Map.copyOf(parameters);
  }
}
