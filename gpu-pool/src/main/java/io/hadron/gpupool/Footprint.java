package io.hadron.gpupool;

import java.util.Objects;

/**
 * The memory one loaded model holds on one device, as the {@link MemoryBudget} accounts it.
 *
 * <p>Immutable.
 *
 * @param model the model (and version) as the server names it, for messages
 * @param device the device label ("gpu0", "cpu")
 * @param bytes the bytes it holds there
 */
public record Footprint(String model, String device, long bytes) {
  public Footprint {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(device, "device");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes + " for model " + model);
    }
  }
}
