package io.hadron.server.repository;

/**
 * What the load-time optimizer ({@code hadron.optimize}) decided for a model version: the spec
 * asked for, whether the optimized variant is served, and why (accuracy figures or the refusal).
 * Immutable.
 */
public record Optimization(String spec, boolean applied, String detail) {
  /** For versions whose configuration asks for no optimization. */
  public static final Optimization NONE = new Optimization("", false, "");

  /** The variant name shown in model metadata: the spec when applied, otherwise "original". */
  public String variant() {
    return applied ? spec : "original";
  }
}
