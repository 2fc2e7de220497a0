package io.hadron.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Triton's {@code dynamic_batching} block, every field of it. Validation that needs the model's
 * {@code max_batch_size} happens in {@link ModelConfig}. Immutable.
 *
 * @param priorityLevels 0 means priorities are off (a single level)
 * @param priorityQueuePolicy per-level overrides of {@code defaultQueuePolicy}, keyed by level
 */
public record DynamicBatching(
    List<Integer> preferredBatchSizes,
    long maxQueueDelayMicros,
    boolean preserveOrdering,
    int priorityLevels,
    int defaultPriorityLevel,
    QueuePolicy defaultQueuePolicy,
    Map<Integer, QueuePolicy> priorityQueuePolicy) {

  public static final DynamicBatching DEFAULT =
      new DynamicBatching(List.of(), 0, false, 0, 0, QueuePolicy.DEFAULT, Map.of());

  public DynamicBatching {
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    Objects.requireNonNull(defaultQueuePolicy, "default_queue_policy");
    priorityQueuePolicy = Map.copyOf(priorityQueuePolicy);
    for (int p : preferredBatchSizes) {
      if (p < 1) {
        throw new IllegalArgumentException("preferred_batch_size must be >= 1, got " + p);
      }
    }
    if (maxQueueDelayMicros < 0) {
      throw new IllegalArgumentException("max_queue_delay_microseconds must be >= 0, got " + maxQueueDelayMicros);
    }
    if (priorityLevels < 0) {
      throw new IllegalArgumentException("priority_levels must be >= 0, got " + priorityLevels);
    }
    if (priorityLevels > 0 && (defaultPriorityLevel < 1 || defaultPriorityLevel > priorityLevels)) {
      throw new IllegalArgumentException("default_priority_level " + defaultPriorityLevel
          + " must be between 1 and priority_levels " + priorityLevels);
    }
    if (priorityLevels == 0 && defaultPriorityLevel != 0) {
      throw new IllegalArgumentException("default_priority_level " + defaultPriorityLevel
          + " is set but priority_levels is 0");
    }
    for (int level : priorityQueuePolicy.keySet()) {
      if (level < 1 || level > priorityLevels) {
        throw new IllegalArgumentException("priority_queue_policy level " + level
            + " is outside 1.." + priorityLevels + " (priority_levels)");
      }
    }
  }

  /** The queue policy of a priority level (1-based; 0 when priorities are off). */
  public QueuePolicy policyFor(int level) {
    return priorityQueuePolicy.getOrDefault(level, defaultQueuePolicy);
  }
}
