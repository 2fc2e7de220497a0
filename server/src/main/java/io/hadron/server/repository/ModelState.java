package io.hadron.server.repository;

/** Lifecycle of one model version. Immutable. */
public enum ModelState {
  LOADING,
  READY,
  UNAVAILABLE,
  UNLOADING
}
