package io.hadron.core;

/** The error statuses of the KServe v2 protocol as Hadron uses them. Immutable. */
public enum Status {
  INVALID_ARGUMENT,
  NOT_FOUND,
  UNAVAILABLE,
  UNSUPPORTED,
  INTERNAL,
  RESOURCE_EXHAUSTED
}
