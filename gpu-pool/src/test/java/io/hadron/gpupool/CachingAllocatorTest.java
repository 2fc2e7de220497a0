package io.hadron.gpupool;

import static org.junit.jupiter.api.Assertions.*;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachingAllocatorTest {
  private static final long MIB = 1L << 20;
  private static final long NO_LIMIT = Long.MAX_VALUE;

  private static CachingAllocator device(long backendCapacity) {
    return new CachingAllocator(new FakeBackend(backendCapacity, false), NO_LIMIT, NO_LIMIT);
  }

  @Test
  void aFreedBlockIsReusedAtTheSameAddressWithoutABackendCall() {
    FakeBackend backend = new FakeBackend(1L << 30, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block b = a.allocate(1000, 0);
    long address = b.address;
    a.free(b);
    Block again = a.allocate(900, 0);
    assertEquals(address, again.address);
    assertEquals(1, backend.allocations.get());
    a.checkInvariants();
  }

  @Test
  void smallRequestsShareOneTwoMibSegment() {
    CachingAllocator a = device(1L << 30);
    Block x = a.allocate(4096, 0);
    Block y = a.allocate(4096, 0);
    assertEquals(x.segment, y.segment);
    assertEquals(x.address + 4096, y.address, "the second block is carved right after the first");
    MemoryStats s = a.stats();
    assertEquals(2 * MIB, s.reservedBytes());
    assertEquals(8192, s.allocatedBytes());
    assertEquals(2 * MIB - 8192, s.inactiveSplitBytes());
    a.checkInvariants();
  }

  @Test
  void freeingEveryBlockCoalescesTheSegmentBackToOneBlock() {
    CachingAllocator a = device(1L << 30);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      blocks.add(a.allocate(100_000, 0));
    }
    // Free in an interleaved order so merges happen with both neighbours.
    for (int i = 0; i < 10; i += 2) {
      a.free(blocks.get(i));
    }
    a.checkInvariants();
    for (int i = 1; i < 10; i += 2) {
      a.free(blocks.get(i));
    }
    a.checkInvariants();
    MemoryStats s = a.stats();
    assertEquals(1, s.segments());
    assertEquals(0, s.inactiveSplitBytes(), "the segment is whole again");
    assertEquals(s.reservedBytes(), s.cachedBytes());
  }

  @Test
  void bestFitTakesTheSmallestFreeBlockThatFits() {
    CachingAllocator a = device(1L << 30);
    Block a1 = a.allocate(64 * 1024, 0);
    Block gapBig = a.allocate(256 * 1024, 0);
    Block a2 = a.allocate(64 * 1024, 0);
    Block gapSmall = a.allocate(32 * 1024, 0);
    Block a3 = a.allocate(64 * 1024, 0);
    long small = gapSmall.address;
    a.free(gapBig);
    a.free(gapSmall);
    Block b = a.allocate(20 * 1024, 0);
    assertEquals(small, b.address, "the 32 KiB hole fits better than the 256 KiB one");
    a.free(b);
    a.free(a1);
    a.free(a2);
    a.free(a3);
    a.checkInvariants();
  }

  @Test
  void largeRequestsUnderTenMibAreCarvedFromTwentyMibSegments() {
    FakeBackend backend = new FakeBackend(1L << 30, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block x = a.allocate(3 * MIB, 0);
    Block y = a.allocate(5 * MIB, 0);
    assertEquals(x.segment, y.segment);
    assertEquals(20 * MIB, a.stats().reservedBytes());
    assertEquals(1, backend.allocations.get());
    a.free(x);
    a.free(y);
    a.checkInvariants();
  }

  @Test
  void aLargeRestOfAtMostOneMibStaysInTheLentBlock() {
    CachingAllocator a = device(1L << 30);
    Block x = a.allocate(10 * MIB + 1, 0); // segment 12 MiB, rest just under 2 MiB: split
    assertEquals(10 * MIB + 512, x.size);
    a.free(x);
    Block y = a.allocate(11 * MIB, 0); // from the cached 12 MiB block: rest 1 MiB, not split
    assertEquals(12 * MIB, y.size);
    assertEquals(12 * MIB, a.stats().allocatedBytes());
    a.free(y);
    a.checkInvariants();
  }

  @Test
  void aBlockFreedOnOneStreamIsNotLentOnAnother() {
    FakeBackend backend = new FakeBackend(1L << 30, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block onOne = a.allocate(4096, 1);
    long address = onOne.address;
    a.free(onOne);
    Block onTwo = a.allocate(4096, 2);
    assertNotEquals(onOne.segment, onTwo.segment);
    assertEquals(2, backend.allocations.get());
    Block onOneAgain = a.allocate(4096, 1);
    assertEquals(address, onOneAgain.address);
    a.checkInvariants();
  }

  @Test
  void oversizeBlocksAreNeitherSplitNorLentToSmallerRequests() {
    FakeBackend backend = new FakeBackend(1L << 30, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, 32 * MIB);
    Block huge = a.allocate(100 * MIB, 0);
    a.free(huge);
    Block medium = a.allocate(12 * MIB, 0);
    assertNotEquals(huge.segment, medium.segment, "a normal request does not nibble the cached oversize block");
    Block big = a.allocate(90 * MIB, 0);
    assertEquals(100 * MIB, big.size, "an oversize request takes it whole when it wastes under 20 MiB");
    a.free(big);
    Block smaller = a.allocate(40 * MIB, 0);
    assertNotEquals(100 * MIB, smaller.size, "but not when it would waste 60 MiB");
    a.checkInvariants();
  }

  @Test
  void aFullBackendMakesTheAllocatorFreeCachedSegmentsAndRetryOnce() {
    FakeBackend backend = new FakeBackend(40 * MIB, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block x = a.allocate(20 * MIB, 0);
    Block y = a.allocate(12 * MIB, 0);
    a.free(x); // 20 MiB cached, 12 MiB lent: the backend has 8 MiB left
    Block z = a.allocate(26 * MIB, 0); // fits only once the cached segment is given back
    assertEquals(26 * MIB, z.size);
    MemoryStats s = a.stats();
    assertEquals(1, s.allocRetries());
    assertEquals(0, s.ooms());
    assertEquals(1, backend.frees.get(), "the cached 20 MiB segment went back");
    a.free(y);
    a.free(z);
    a.checkInvariants();
  }

  @Test
  void exhaustionAfterTheRetryFailsNamingSizeAndDevice() {
    FakeBackend backend = new FakeBackend(40 * MIB, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block x = a.allocate(30 * MIB, 0);
    HadronException.ResourceExhausted e =
        assertThrows(HadronException.ResourceExhausted.class, () -> a.allocate(20 * MIB, 0));
    assertTrue(e.getMessage().contains("20971520 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("gpu7"), e.getMessage());
    MemoryStats s = a.stats();
    assertEquals(1, s.allocRetries());
    assertEquals(1, s.ooms());
    a.free(x);
    a.checkInvariants();
  }

  @Test
  void theCapacityLimitCapsReservationsLikeAFullDevice() {
    FakeBackend backend = new FakeBackend(1L << 40, false);
    CachingAllocator a = new CachingAllocator(backend, 24 * MIB, NO_LIMIT);
    Block x = a.allocate(20 * MIB, 0);
    assertThrows(HadronException.ResourceExhausted.class, () -> a.allocate(8 * MIB, 0));
    a.free(x);
    Block y = a.allocate(8 * MIB, 0); // fits in the cached 20 MiB segment
    Block z = a.allocate(512 * 1024, 0); // small: a new 2 MiB segment, within the limit
    assertEquals(22 * MIB, a.stats().reservedBytes());
    assertEquals(1, a.stats().ooms());
    assertEquals(24 * MIB, a.stats().limitBytes());
    a.free(y);
    a.free(z);
    a.checkInvariants();
  }

  @Test
  void trimGivesBackOnlyWhollyFreeSegments() {
    FakeBackend backend = new FakeBackend(1L << 30, false);
    CachingAllocator a = new CachingAllocator(backend, NO_LIMIT, NO_LIMIT);
    Block keep = a.allocate(4096, 0);
    Block drop = a.allocate(12 * MIB, 0);
    a.free(drop);
    assertEquals(12 * MIB, a.trim());
    MemoryStats s = a.stats();
    assertEquals(2 * MIB, s.reservedBytes());
    assertEquals(1, s.segments());
    assertEquals(1, backend.liveSegments());
    a.free(keep);
    assertEquals(2 * MIB, a.trim());
    assertEquals(0, a.stats().reservedBytes());
    assertEquals(0, backend.usedBytes());
    a.checkInvariants();
  }

  @Test
  void peaksAndCountsFollowTheHistory() {
    CachingAllocator a = device(1L << 30);
    Block x = a.allocate(12 * MIB, 0);
    Block y = a.allocate(4096, 0);
    a.free(x);
    a.free(y);
    a.trim();
    MemoryStats s = a.stats();
    assertEquals(0, s.reservedBytes());
    assertEquals(0, s.allocatedBytes());
    assertEquals(0, s.activeBlocks());
    assertEquals(14 * MIB, s.peakReservedBytes());
    assertEquals(12 * MIB + 4096, s.peakAllocatedBytes());
    assertEquals(2, s.allocations());
  }

  @Test
  void freeingABlockTwiceFailsLoudly() {
    CachingAllocator a = device(1L << 30);
    Block x = a.allocate(4096, 0);
    a.allocate(4096, 0); // keeps the segment split so that x's node is not recycled
    a.free(x);
    assertThrows(IllegalStateException.class, () -> a.free(x));
  }

  @Test
  void lentBuffersAreDirectAtPositionZeroWithTheRequestedLimit() {
    CachingAllocator a = new CachingAllocator(new HostBackend(), NO_LIMIT, NO_LIMIT);
    ByteBuffer b = a.lend(1000);
    assertTrue(b.isDirect());
    assertEquals(0, b.position());
    assertEquals(1000, b.limit());
    assertEquals(1024, b.capacity());
    a.release(b);
    ByteBuffer zero = a.lend(0);
    assertEquals(0, zero.limit());
    a.release(zero);
    a.checkInvariants();
  }

  @Test
  void aWarmPoolLendsTheSameBufferObjectAgain() {
    CachingAllocator a = new CachingAllocator(new HostBackend(), NO_LIMIT, NO_LIMIT);
    ByteBuffer first = a.lend(64 * 1024);
    first.position(10).limit(20);
    a.release(first);
    ByteBuffer second = a.lend(64 * 1024 - 100);
    assertSame(first, second, "the block merged with the free rest of its segment and split again at the same size");
    assertEquals(0, second.position());
    assertEquals(64 * 1024 - 100, second.limit());
    ByteBuffer other = a.lend(8 * 1024);
    assertNotSame(first, other);
    a.release(second);
    a.release(other);
    a.checkInvariants();
  }

  @Test
  void lentBuffersDoNotOverlap() {
    CachingAllocator a = new CachingAllocator(new HostBackend(), NO_LIMIT, NO_LIMIT);
    ByteBuffer x = a.lend(4096);
    ByteBuffer y = a.lend(4096);
    for (int i = 0; i < 4096; i++) {
      x.put(i, (byte) 1);
      y.put(i, (byte) 2);
    }
    for (int i = 0; i < 4096; i++) {
      assertEquals(1, x.get(i));
    }
    a.release(x);
    a.release(y);
  }

  @Test
  void releasingAForeignOrReleasedBufferFailsLoudly() {
    CachingAllocator a = new CachingAllocator(new HostBackend(), NO_LIMIT, NO_LIMIT);
    assertThrows(IllegalArgumentException.class, () -> a.release(ByteBuffer.allocateDirect(512)));
    ByteBuffer b = a.lend(512);
    a.release(b);
    assertThrows(IllegalArgumentException.class, () -> a.release(b));
  }

  @Test
  void deviceMemoryIsLentAsHandlesAndCannotBeLentAsBuffers() {
    CachingAllocator a = device(1L << 30);
    DeviceBlock h = a.lendDevice(1000, 5);
    assertEquals(1000, h.size());
    assertEquals(1024, h.capacity());
    assertEquals(5, h.stream());
    a.releaseDevice(h);
    assertThrows(IllegalStateException.class, () -> a.releaseDevice(h), "a handle is good for one free");
    DeviceBlock again = a.lendDevice(1000, 5);
    assertEquals(h.address(), again.address());
    assertThrows(IllegalStateException.class, () -> a.releaseDevice(h), "a stale handle does not free its successor");
    assertThrows(UnsupportedOperationException.class, () -> a.lend(100));
    a.releaseDevice(again);
    a.checkInvariants();
    assertEquals(0, a.stats().activeBlocks());
  }

  @Test
  void aHandleFromAnotherPoolIsRejected() {
    CachingAllocator a = device(1L << 30);
    CachingAllocator b = device(1L << 30);
    DeviceBlock h = a.lendDevice(1000, 0);
    assertThrows(IllegalStateException.class, () -> b.releaseDevice(h));
    a.releaseDevice(h);
  }

  @Test
  void invalidConfigurationIsRejectedNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new CachingAllocator(new HostBackend(), 0, NO_LIMIT));
    assertTrue(e.getMessage().contains("limitBytes"));
    e = assertThrows(IllegalArgumentException.class, () -> new CachingAllocator(new HostBackend(), NO_LIMIT, MIB));
    assertTrue(e.getMessage().contains("maxSplitSize"));
  }
}
