package io.hadron.quantization.optimize;

import io.hadron.quantization.onnx.proto.ModelProto;
import java.util.Objects;

/**
 * A model after one transform, with a one-line account of what the transform did.
 *
 * <p>Immutable.
 */
public record Transformed(ModelProto model, String summary) {
  public Transformed {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(summary, "summary");
  }
}
