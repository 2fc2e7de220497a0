package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import java.util.Arrays;
import java.util.Optional;

/**
 * The scheduling rules of one model version, read once from its configuration: how many rows a
 * batch may hold, whether requests are combined at all, the preferred sizes, the queue delay, and
 * the priority levels with their queue policies. Levels are numbered from 0 here (level 0 is
 * Triton's level 1, the highest).
 *
 * <p>Immutable.
 */
final class BatchPolicy {
  /**
   * Longest wait the scheduler represents: about 73 years. Keeping every deadline within 2^61 ns of
   * now keeps {@code a - b} comparisons of deadlines exact.
   */
  static final long MAX_WAIT_NANOS = 1L << 61;

  final String label;
  final int maxBatchSize;
  final boolean combine;
  final long maxQueueDelayNanos;
  final boolean preserveOrdering;
  private final int[] preferred;
  private final int configuredLevels;
  private final int defaultLevel;
  private final QueuePolicy[] policies;

  private BatchPolicy(
      String label, int maxBatchSize, boolean combine, int[] preferred, DynamicBatching db) {
    this.label = label;
    this.maxBatchSize = maxBatchSize;
    this.combine = combine;
    this.preferred = combine ? preferred : new int[0];
    this.maxQueueDelayNanos = combine ? microsToNanos(db.maxQueueDelayMicros()) : 0;
    this.preserveOrdering = db.preserveOrdering();
    this.configuredLevels = db.priorityLevels();
    int levels = Math.max(1, configuredLevels);
    this.defaultLevel = configuredLevels == 0 ? 0 : db.defaultPriorityLevel() - 1;
    this.policies = new QueuePolicy[levels];
    for (int i = 0; i < levels; i++) {
      policies[i] = db.policyFor(configuredLevels == 0 ? 0 : i + 1);
    }
  }

  /**
   * Reads the rules of a model. A model combines requests when it batches ({@code max_batch_size >
   * 0}) and has a {@code dynamic_batching} block, or when {@code withoutBlock} asks for combining
   * without one; every other model runs one request per execution, still through the priority
   * queues and queue policies of its block, if any.
   */
  static BatchPolicy of(
      String modelName, String version, ModelConfig config, SchedulerOptions.WithoutDynamicBatching withoutBlock) {
    String label = "model '" + modelName + "' version '" + version + "'";
    int maxBatch = config.maxBatchSize();
    Optional<DynamicBatching> block = config.dynamicBatching();
    boolean combine = maxBatch > 0
        && (block.isPresent() || withoutBlock == SchedulerOptions.WithoutDynamicBatching.DEFAULT_DYNAMIC_BATCHING);
    DynamicBatching db = block.orElse(DynamicBatching.DEFAULT);
    int[] preferred = db.preferredBatchSizes().stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
    for (int p : preferred) {
      if (combine && p > maxBatch) {
        throw new IllegalArgumentException(label + ": dynamic_batching preferred_batch_size " + p
            + " exceeds max_batch_size " + maxBatch);
      }
    }
    return new BatchPolicy(label, maxBatch, combine, preferred, db);
  }

  static long microsToNanos(long micros) {
    return micros >= MAX_WAIT_NANOS / 1000 ? MAX_WAIT_NANOS : micros * 1000;
  }

  /** True when requests carry a leading batch dimension. */
  boolean batched() {
    return maxBatchSize > 0;
  }

  /** The most rows one execution takes: max_batch_size, or 1 for a model that does not batch. */
  int rowCap() {
    return Math.max(1, maxBatchSize);
  }

  int levels() {
    return policies.length;
  }

  boolean isPreferred(int rows) {
    return preferred.length > 0 && Arrays.binarySearch(preferred, rows) >= 0;
  }

  /**
   * The queue level of a request's {@code priority} parameter.
   *
   * @throws HadronException.InvalidArgument for a priority outside {@code 1..priority_levels}
   */
  int levelOf(int priority) {
    if (priority == 0) {
      return defaultLevel;
    }
    if (priority < 1 || priority > configuredLevels) {
      throw new HadronException.InvalidArgument(configuredLevels == 0
          ? "request parameter 'priority' is " + priority + " but " + label
              + " has no priority levels (priority_levels is 0); send 0 or leave it out"
          : "request parameter 'priority' is " + priority + " but " + label + " accepts 1.."
              + configuredLevels + " (priority_levels), or 0 for the default level " + (defaultLevel + 1));
    }
    return priority - 1;
  }

  /** Most requests a level may hold queued; 0 for no limit. */
  int queueLimit(int level) {
    return policies[level].maxQueueSize();
  }

  /** True when a request of this level that times out is moved back rather than rejected. */
  boolean delayOnTimeout(int level) {
    return policies[level].timeoutAction() == QueuePolicy.TimeoutAction.DELAY;
  }

  /**
   * A request's queue timeout in nanoseconds, 0 for none. A request's own timeout counts only where
   * the level allows overriding, and may shorten a default but never lengthen it (Triton's rule).
   */
  long timeoutNanos(int level, long requestedMicros) {
    QueuePolicy q = policies[level];
    long micros = q.defaultTimeoutMicros();
    if (requestedMicros > 0 && q.allowTimeoutOverride()) {
      micros = micros == 0 ? requestedMicros : Math.min(micros, requestedMicros);
    }
    return micros == 0 ? 0 : microsToNanos(micros);
  }
}
