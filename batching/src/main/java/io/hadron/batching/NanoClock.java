package io.hadron.batching;

/**
 * A source of monotonic nanoseconds, as {@link System#nanoTime()} gives them. Only differences are
 * meaningful, so every comparison the scheduler makes is of the form {@code a - b < 0}, which stays
 * right across overflow; tests start fake clocks near {@link Long#MAX_VALUE} to keep it that way.
 *
 * <p>Implementations are thread-safe: the scheduler reads the clock from submitting threads, its
 * own thread and the instance threads.
 */
@FunctionalInterface
public interface NanoClock {
  /** The clock the server runs on. */
  NanoClock SYSTEM = System::nanoTime;

  long nanoTime();
}
