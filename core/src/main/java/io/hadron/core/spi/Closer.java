package io.hadron.core.spi;

import io.hadron.core.HadronException;

/**
 * Closes an engine's resources one after another, going on when one fails and keeping every
 * failure: added to the failure that made the caller close them ({@code primary}) when there is
 * one, otherwise gathered into one {@link HadronException.Internal} (the first, with the rest
 * suppressed in it). What {@link LoadedModel#close()} and a failed load both need.
 *
 * <p>Confined to the thread that closes.
 */
public final class Closer {
  /** A step that may throw, checked exceptions included. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  private final Throwable primary;
  private HadronException.Internal failure;

  /** @param primary the failure being handled, to which close failures are added; null if none */
  public Closer(Throwable primary) {
    this.primary = primary;
  }

  /** Runs one step; a failure is recorded, described as {@code what} ("closing a session"). */
  public void run(String what, Step step) {
    try {
      step.run();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (primary != null) {
        primary.addSuppressed(e);
      } else if (failure == null) {
        failure = new HadronException.Internal(what + " failed: " + e.getMessage(), e);
      } else {
        failure.addSuppressed(e);
      }
    }
  }

  /** The gathered failure when there was no primary one and a step failed; else null. */
  public RuntimeException failure() {
    return failure;
  }
}
