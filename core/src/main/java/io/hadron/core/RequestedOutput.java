package io.hadron.core;

import java.util.Map;
import java.util.Objects;

/**
 * One output a client asked for, with the per-output parameters it sent (for example
 * {@code binary_data}). Immutable.
 */
public record RequestedOutput(String name, Map<String, Object> parameters) {
  public RequestedOutput {
    Objects.requireNonNull(name, "name");
    parameters = Map.copyOf(parameters);
  }

  public static RequestedOutput named(String name) {
    return new RequestedOutput(name, Map.of());
  }
}
