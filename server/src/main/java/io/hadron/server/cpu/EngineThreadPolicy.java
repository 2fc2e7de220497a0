package io.hadron.server.cpu;

import java.util.Locale;

/**
 * How the threads that run engines compete for the CPU with the server's own threads (event loops,
 * batch schedulers, the garbage collector). See {@link EngineThreads} for why this matters.
 */
public enum EngineThreadPolicy {
  /**
   * Linux's {@code SCHED_IDLE} class: any other thread that wakes on a core the engine holds
   * preempts it at once, and the engine gets every cycle the rest leave. The default.
   */
  IDLE("idle"),
  /** The class threads are created in: engines and the server's own threads share alike. */
  NORMAL("normal");

  private final String flagValue;

  EngineThreadPolicy(String flagValue) {
    this.flagValue = flagValue;
  }

  public String flagValue() {
    return flagValue;
  }

  /** @throws IllegalArgumentException naming {@code flag}, the value and the choices */
  public static EngineThreadPolicy parse(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (EngineThreadPolicy p : values()) {
      if (p.flagValue.equals(v)) {
        return p;
      }
    }
    throw new IllegalArgumentException(flag + " must be idle or normal, got '" + value + "'");
  }
}
