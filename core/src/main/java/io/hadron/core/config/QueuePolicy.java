package io.hadron.core.config;

import java.util.Objects;

/**
 * Triton's {@code ModelQueuePolicy}: what happens to requests that wait too long or find the queue
 * full. Immutable.
 *
 * @param defaultTimeoutMicros 0 means no timeout
 * @param maxQueueSize 0 means unbounded
 */
public record QueuePolicy(
    TimeoutAction timeoutAction, long defaultTimeoutMicros, boolean allowTimeoutOverride, int maxQueueSize) {
  /** What a timed-out request gets: rejected, or moved behind the requests still in time. */
  public enum TimeoutAction {
    REJECT,
    DELAY
  }

  public static final QueuePolicy DEFAULT = new QueuePolicy(TimeoutAction.REJECT, 0, false, 0);

  public QueuePolicy {
    Objects.requireNonNull(timeoutAction, "timeout_action");
    if (defaultTimeoutMicros < 0) {
      throw new IllegalArgumentException("default_timeout_microseconds must be >= 0, got " + defaultTimeoutMicros);
    }
    if (maxQueueSize < 0) {
      throw new IllegalArgumentException("max_queue_size must be >= 0, got " + maxQueueSize);
    }
  }
}
