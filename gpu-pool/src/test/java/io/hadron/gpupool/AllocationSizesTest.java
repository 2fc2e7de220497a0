package io.hadron.gpupool;

import static io.hadron.gpupool.AllocationSizes.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AllocationSizesTest {
  private static final long MIB = 1L << 20;

  @Test
  void roundsUpToMultiplesOf512WithZeroTakingOneBlock() {
    assertEquals(512, round(0));
    assertEquals(512, round(1));
    assertEquals(512, round(512));
    assertEquals(1024, round(513));
    assertEquals(4096, round(4096));
    assertEquals(MIB, round(MIB));
    assertEquals(MIB + 512, round(MIB + 1));
  }

  @Test
  void rejectsNegativeSizes() {
    assertThrows(IllegalArgumentException.class, () -> round(-1));
  }

  @Test
  void requestsUpToOneMibAreSmall() {
    assertTrue(isSmall(round(MIB)));
    assertFalse(isSmall(round(MIB + 1)));
  }

  @Test
  void smallRequestsGetTwoMibSegments() {
    assertEquals(2 * MIB, segmentSize(512));
    assertEquals(2 * MIB, segmentSize(MIB));
  }

  @Test
  void largeRequestsUnderTenMibShareTwentyMibSegments() {
    assertEquals(20 * MIB, segmentSize(MIB + 512));
    assertEquals(20 * MIB, segmentSize(10 * MIB - 512));
  }

  @Test
  void requestsOfTenMibAndMoreGetTheirSizeRoundedToTwoMib() {
    assertEquals(10 * MIB, segmentSize(10 * MIB));
    assertEquals(12 * MIB, segmentSize(10 * MIB + 512));
    assertEquals(64 * MIB, segmentSize(64 * MIB));
  }

  @Test
  void smallBlocksSplitWheneverTheRestIsABlock() {
    assertTrue(shouldSplit(2 * MIB, 2 * MIB - 512, true, Long.MAX_VALUE));
    assertFalse(shouldSplit(1024, 1024, true, Long.MAX_VALUE));
  }

  @Test
  void largeBlocksSplitOnlyWhenTheRestIsLarge() {
    assertTrue(shouldSplit(20 * MIB, 2 * MIB, false, Long.MAX_VALUE));
    assertFalse(shouldSplit(3 * MIB, 2 * MIB, false, Long.MAX_VALUE), "a 1 MiB rest stays in the block");
    assertTrue(shouldSplit(3 * MIB + 512, 2 * MIB, false, Long.MAX_VALUE));
  }

  @Test
  void oversizeRequestsNeverSplitTheirBlock() {
    assertFalse(shouldSplit(100 * MIB, 40 * MIB, false, 32 * MIB));
    assertFalse(shouldSplit(100 * MIB, 32 * MIB, false, 32 * MIB));
  }
}
