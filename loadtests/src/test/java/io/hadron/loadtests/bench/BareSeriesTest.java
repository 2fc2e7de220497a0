package io.hadron.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hadron.loadtests.load.Latencies;
import org.junit.jupiter.api.Test;

class BareSeriesTest {
  private static final long SECOND = 1_000_000_000L;

  private static BareResult result(int batch, long calls) {
    return new BareResult(batch, calls, SECOND, Latencies.of(1), 0);
  }

  @Test
  void aRoundIsComparedAtTheBatchSizeBestOverAllRoundsNotAtItsOwnLuckiestRate() {
    BareSeries s = new BareSeries("m");
    // Batch 4 is the better size (196 samples/s over both rounds against 190 for batch 1), but
    // round 1 happened to measure batch 1 high (230): its own maximum would overstate the engine.
    s.add(0, result(1, 150));
    s.add(0, result(4, 50));
    s.add(1, result(1, 230));
    s.add(1, result(4, 48));
    assertEquals(4, s.best().batch());
    assertEquals(200, s.best(0).samplesPerSecond(), 1e-9);
    assertEquals(192, s.best(1).samplesPerSecond(), 1e-9);
  }
}
