package io.hadron.loadtests.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {
  @Test
  void quantilesAreNearestRank() {
    Latencies l = Latencies.of(50, 10, 40, 20, 30, 60, 70, 80, 90, 100);
    assertEquals(10, l.count());
    assertEquals(50, l.quantileNanos(0.5));
    assertEquals(100, l.quantileNanos(0.99));
    assertEquals(10, l.quantileNanos(0.01));
    assertEquals(100, l.quantileNanos(1.0));
    assertEquals(100, l.quantileNanos(0.91));
    assertEquals(90, l.quantileNanos(0.9));
    assertEquals(1e-4, l.maxMillis());
    assertEquals(5.5e-5, l.meanMillis(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> l.quantileNanos(0));
    assertThrows(IllegalArgumentException.class, () -> l.quantileNanos(1.5));
    assertTrue(Double.isNaN(Latencies.empty().quantileNanos(0.5)));
  }

  @Test
  void recordersMergeAndSetsAdd() {
    LatencyRecorder a = new LatencyRecorder();
    LatencyRecorder b = new LatencyRecorder();
    for (int i = 0; i < 3000; i++) {
      (i % 2 == 0 ? a : b).record(i);
    }
    Latencies all = Latencies.merge(List.of(a, b));
    assertEquals(3000, all.count());
    assertEquals(1499, all.quantileNanos(0.5));
    Latencies more = all.plus(Latencies.of(5000));
    assertEquals(3001, more.count());
    assertEquals(5000, more.quantileNanos(1.0));
  }

  @Test
  void cdfIsMonotoneEndsAtOneAndKeepsTheMaximum() {
    long[] v = new long[10_000];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i + 1) * 1_000L;
    }
    double[][] cdf = Latencies.of(v).cdf(100);
    assertEquals(100, cdf[0].length);
    assertEquals(0.001, cdf[0][0]);
    assertEquals(10.0, cdf[0][99]);
    assertEquals(1.0, cdf[1][99]);
    for (int i = 1; i < 100; i++) {
      assertTrue(cdf[0][i] >= cdf[0][i - 1] && cdf[1][i] > cdf[1][i - 1]);
    }
    double[][] small = Latencies.of(3_000_000, 1_000_000).cdf(50);
    assertArrayEquals(new double[] {1.0, 3.0}, small[0]);
    assertArrayEquals(new double[] {0.5, 1.0}, small[1]);
  }
}
