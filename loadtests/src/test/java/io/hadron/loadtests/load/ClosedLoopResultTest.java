package io.hadron.loadtests.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClosedLoopResultTest {
  private static final long SECOND = 1_000_000_000L;

  private static ClosedLoopResult result(long client, long server, long machine) {
    return new ClosedLoopResult(4, 2 * SECOND, 100, Latencies.of(1, 2), 0, "", 0, client, server, machine, 4);
  }

  @Test
  void sharesAreOfAllCoresOverTheWindow() {
    ClosedLoopResult r = result(SECOND / 2, 2 * SECOND, 3 * SECOND);
    assertEquals(50.0, r.throughput());
    assertEquals(0.125, r.clientCpuShare(2));
    assertEquals(0.5, r.serverCpuShare(2));
    assertEquals(0.125, r.othersCpuShare(2));
  }

  @Test
  void othersNeverReadBelowZeroAndUnknownStaysUnknown() {
    // The machine's clock ticks coarser than the processes': on a quiet machine it can read a hair lower.
    assertEquals(0.0, result(SECOND, 2 * SECOND, 3 * SECOND - 10_000_000).othersCpuShare(2));
    assertTrue(Double.isNaN(result(SECOND, 2 * SECOND, -1).othersCpuShare(2)));
    assertTrue(Double.isNaN(result(SECOND, -1, 3 * SECOND).serverCpuShare(2)));
  }

  @Test
  void runsAddUpOnlyAtTheSameConcurrency() {
    ClosedLoopResult r = result(SECOND, SECOND, 3 * SECOND);
    ClosedLoopResult twice = r.plus(r);
    assertEquals(200, twice.completed());
    assertEquals(4, twice.latencies().count());
    assertEquals(r.othersCpuShare(2), twice.othersCpuShare(2), 1e-12);
    ClosedLoopResult other = new ClosedLoopResult(8, SECOND, 1, Latencies.empty(), 0, "", 0, 0, 0, 0, 8);
    assertThrows(IllegalArgumentException.class, () -> r.plus(other));
    assertEquals(-1, r.plus(result(SECOND, -1, SECOND)).serverCpuNanos());
  }
}
