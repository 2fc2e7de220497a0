package io.hadron.batching;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told. Starts a little before {@link Long#MAX_VALUE}, so every test
 * that advances it by a second or more crosses the overflow. Thread-safe.
 */
final class FakeClock implements NanoClock {
  static final long START = Long.MAX_VALUE - Duration.ofMillis(500).toNanos();

  private final AtomicLong now = new AtomicLong(START);

  @Override
  public long nanoTime() {
    return now.get();
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  void advanceMicros(long micros) {
    now.addAndGet(micros * 1000);
  }
}
