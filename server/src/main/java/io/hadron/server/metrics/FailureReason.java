package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener;

/**
 * Why a request to a ready model version failed: the {@code reason} label of {@code
 * hadron_request_failure_total}. Immutable.
 */
public enum FailureReason {
  /** The request did not match the model: unknown or misshapen input, bad parameter, oversize batch. */
  INVALID("invalid"),
  /** Its priority level's queue was full. */
  QUEUE_FULL("queue_full"),
  /** Its queue timeout passed before an instance took it. */
  TIMED_OUT("timed_out"),
  /** Its client went away before it ran; it never ran. */
  CANCELLED("cancelled"),
  /** The model version was being unloaded or the server was shutting down. */
  SHUTTING_DOWN("shutting_down"),
  /** The engine, or assembling its inputs or splitting its outputs, failed the request's batch. */
  ENGINE("engine");

  private final String label;

  FailureReason(String label) {
    this.label = label;
  }

  /** The label value. */
  public String label() {
    return label;
  }

  static FailureReason of(SchedulerListener.Rejection r) {
    return switch (r) {
      case INVALID -> INVALID;
      case QUEUE_FULL -> QUEUE_FULL;
      case SHUTTING_DOWN -> SHUTTING_DOWN;
      case TIMED_OUT -> TIMED_OUT;
      case CANCELLED -> CANCELLED;
    };
  }
}
