package io.hadron.core.config;

import java.util.List;
import java.util.Objects;

/**
 * Triton's {@code instance_group}: how many copies of the model execute at once and where.
 * Immutable.
 *
 * @param gpus device ordinals for {@link Kind#KIND_GPU}; empty means "every visible GPU"
 */
public record InstanceGroup(String name, int count, Kind kind, List<Integer> gpus) {
  /** Where instances run; the names are Triton's. */
  public enum Kind {
    KIND_AUTO,
    KIND_GPU,
    KIND_CPU,
    KIND_MODEL
  }

  public InstanceGroup {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    gpus = List.copyOf(gpus);
    for (int g : gpus) {
      if (g < 0) {
        throw new IllegalArgumentException("instance_group '" + name + "': gpus may not be negative, got " + g);
      }
    }
    if (count < 1) {
      throw new IllegalArgumentException("instance_group '" + name + "': count must be >= 1, got " + count);
    }
  }

  public static InstanceGroup cpu(int count) {
    return new InstanceGroup("", count, Kind.KIND_CPU, List.of());
  }
}
