package io.hadron.server.repository;

import java.util.Locale;

/**
 * When models load and unload. Immutable.
 *
 * <ul>
 *   <li>{@link #NONE}: every model in the repository loads at start and stays (Triton's default).
 *   <li>{@link #EXPLICIT}: models load and unload when the repository API asks (Triton's
 *       {@code --model-control-mode=explicit}); those named by {@code --load-model} load at start.
 *   <li>{@link #ON_DEMAND}: explicit, and a request for a model of the repository that is not
 *       loaded (never loaded, unloaded or evicted to make room) loads it and waits for it instead
 *       of failing.
 * </ul>
 */
public enum ModelControl {
  NONE("none"),
  EXPLICIT("explicit"),
  ON_DEMAND("on-demand");

  private final String flagValue;

  ModelControl(String flagValue) {
    this.flagValue = flagValue;
  }

  /** The value as the flag spells it. */
  public String flagValue() {
    return flagValue;
  }

  /** True when the repository API may load and unload models. */
  public boolean explicit() {
    return this != NONE;
  }

  /** @throws IllegalArgumentException naming the flag and the values it takes */
  public static ModelControl parse(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (ModelControl m : values()) {
      if (m.flagValue.equals(v)) {
        return m;
      }
    }
    throw new IllegalArgumentException(flag + " needs none, explicit or on-demand, got '" + value + "'");
  }
}
