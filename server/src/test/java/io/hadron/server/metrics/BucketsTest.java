package io.hadron.server.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BucketsTest {
  @Test
  void batchSizeBucketsArePowersOfTwoCappedByTheLargestBatch() {
    assertArrayEquals(new double[] {1}, Buckets.batchSizes(0), "a model that does not batch runs one row");
    assertArrayEquals(new double[] {1}, Buckets.batchSizes(1));
    assertArrayEquals(new double[] {1, 2, 4, 8}, Buckets.batchSizes(8));
    assertArrayEquals(new double[] {1, 2, 4, 6}, Buckets.batchSizes(6), "a full batch has its own bucket");
    assertArrayEquals(new double[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000}, Buckets.batchSizes(1000));
  }

  @Test
  void latencyBucketsRiseFromFiftyMicrosecondsToOneMinute() {
    assertEquals(Duration.ofNanos(50_000), Buckets.LATENCY[0]);
    assertEquals(Duration.ofMinutes(1), Buckets.LATENCY[Buckets.LATENCY.length - 1]);
    for (int i = 1; i < Buckets.LATENCY.length; i++) {
      double step = (double) Buckets.LATENCY[i].toNanos() / Buckets.LATENCY[i - 1].toNanos();
      assertTrue(step >= 2 && step <= 3, "step " + step + " at " + Buckets.LATENCY[i]);
    }
    assertEquals(Buckets.LATENCY.length, Buckets.latencyNanos().length);
  }
}
