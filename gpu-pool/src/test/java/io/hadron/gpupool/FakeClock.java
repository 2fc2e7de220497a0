package io.hadron.gpupool;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when told; starts just below overflow. Thread-safe. */
final class FakeClock implements LongSupplier {
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 1_000_000_000L);

  @Override
  public long getAsLong() {
    return now.get();
  }

  void advanceNanos(long nanos) {
    now.addAndGet(nanos);
  }
}
