package io.hadron.gpupool;

import static org.junit.jupiter.api.Assertions.*;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Random allocate/free/trim sequences from several threads, with the structure checked at every
 * pause: blocks tile their segments, live blocks never overlap, every reserved byte is either lent
 * or cached, and once everything is freed each segment is whole again.
 */
class CachingAllocatorRandomizedTest {
  private static final long MIB = 1L << 20;
  private static final int THREADS = 4;
  private static final int ROUNDS = 10;
  private static final int OPS_PER_ROUND = 600;

  /** Sizes from a few bytes to 24 MiB, most of them small, as tensors are. */
  private static long size(SplittableRandom r) {
    int kind = r.nextInt(10);
    if (kind < 6) {
      return r.nextLong(1, 64 * 1024);
    }
    if (kind < 9) {
      return r.nextLong(64 * 1024, 4 * MIB);
    }
    return r.nextLong(4 * MIB, 24 * MIB);
  }

  @Test
  void concurrentBlocksNeverOverlapAndEveryByteIsAccounted() throws Exception {
    long seed = System.nanoTime();
    // A small backend and a limit, so that the retry and out-of-memory paths run too.
    FakeBackend backend = new FakeBackend(160 * MIB, false);
    CachingAllocator a = new CachingAllocator(backend, 150 * MIB, 48 * MIB);
    CyclicBarrier pause = new CyclicBarrier(THREADS + 1);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<List<Block>> held = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      List<Block> mine = new ArrayList<>();
      held.add(mine);
      SplittableRandom r = new SplittableRandom(seed + t);
      long stream = t % 2; // two threads per stream
      Thread th =
          new Thread(
              () -> {
                try {
                  for (int round = 0; round < ROUNDS; round++) {
                    for (int op = 0; op < OPS_PER_ROUND; op++) {
                      int what = r.nextInt(100);
                      if (what < 50 || mine.isEmpty()) {
                        try {
                          Block b = a.allocate(size(r), stream);
                          assertTrue(b.allocated);
                          mine.add(b);
                        } catch (HadronException.ResourceExhausted e) {
                          // expected now and then with the limit
                        }
                      } else if (what < 98) {
                        a.free(mine.remove(r.nextInt(mine.size())));
                      } else {
                        a.trim();
                      }
                    }
                    pause.await(30, TimeUnit.SECONDS); // the checker runs
                    pause.await(30, TimeUnit.SECONDS);
                  }
                  for (Block b : mine) {
                    a.free(b);
                  }
                  mine.clear();
                } catch (Throwable e) {
                  failures.add(e);
                  pause.reset();
                }
              },
              "alloc-" + t);
      threads.add(th);
      th.start();
    }
    for (int round = 0; round < ROUNDS; round++) {
      await(pause, failures, seed);
      try {
        a.checkInvariants();
        List<Block> live = new ArrayList<>();
        held.forEach(live::addAll);
        assertNoOverlap(live);
        MemoryStats s = a.stats();
        assertEquals(live.size(), s.activeBlocks());
        assertEquals(live.stream().mapToLong(b -> b.size).sum(), s.allocatedBytes());
        assertEquals(s.reservedBytes(), s.allocatedBytes() + s.cachedBytes());
        assertTrue(s.reservedBytes() <= 150 * MIB);
        assertEquals(backend.usedBytes(), s.reservedBytes(), "the books match the backend");
      } catch (Throwable e) {
        throw new AssertionError("seed " + seed + ", round " + round, e);
      }
      await(pause, failures, seed);
    }
    for (Thread th : threads) {
      th.join(30_000);
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("seed " + seed);
      failures.forEach(e::addSuppressed);
      throw e;
    }

    a.checkInvariants();
    MemoryStats s = a.stats();
    assertEquals(0, s.activeBlocks());
    assertEquals(0, s.allocatedBytes());
    assertEquals(0, s.inactiveSplitBytes(), "every segment coalesced back to one block");
    assertTrue(s.allocations() > 0);
    assertTrue(s.peakReservedBytes() <= 150 * MIB);
    a.trim();
    assertEquals(0, a.stats().reservedBytes());
    assertEquals(0, a.stats().segments());
    assertEquals(0, backend.liveSegments());
  }

  @Test
  void concurrentBorrowersNeverSeeEachOthersBytes() throws Exception {
    long seed = System.nanoTime();
    HostMemoryPool pool = new HostMemoryPool(new CachingAllocator(new HostBackend(), 256 * MIB, Long.MAX_VALUE));
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      SplittableRandom r = new SplittableRandom(seed + t);
      byte mark = (byte) (t + 1);
      Thread th =
          new Thread(
              () -> {
                List<ByteBuffer> mine = new ArrayList<>();
                try {
                  for (int op = 0; op < 3000; op++) {
                    if ((r.nextInt(100) < 50 || mine.isEmpty()) && mine.size() < 24) {
                      int bytes = (int) Math.min(size(r), 6 * MIB);
                      ByteBuffer b;
                      try {
                        b = pool.acquire(bytes);
                      } catch (HadronException.ResourceExhausted e) {
                        continue; // the limit, now and then
                      }
                      assertEquals(0, b.position());
                      assertEquals(bytes, b.limit());
                      fill(b, mark);
                      mine.add(b);
                    } else {
                      ByteBuffer b = mine.remove(r.nextInt(mine.size()));
                      check(b, mark);
                      pool.release(b);
                    }
                    if (r.nextInt(500) == 0) {
                      pool.trim();
                    }
                  }
                  for (ByteBuffer b : mine) {
                    check(b, mark);
                    pool.release(b);
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              "borrow-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join(60_000);
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("seed " + seed);
      failures.forEach(e::addSuppressed);
      throw e;
    }
    pool.allocator().checkInvariants();
    MemoryStats s = pool.stats();
    assertEquals(0, s.activeBlocks());
    assertEquals(0, s.inactiveSplitBytes());
    assertEquals(s.reservedBytes(), s.cachedBytes());
  }

  private static void await(CyclicBarrier pause, ConcurrentLinkedQueue<Throwable> failures, long seed)
      throws Exception {
    try {
      pause.await(30, TimeUnit.SECONDS);
    } catch (BrokenBarrierException e) {
      AssertionError err = new AssertionError("a worker failed; seed " + seed);
      failures.forEach(err::addSuppressed);
      throw err;
    }
  }

  /** Writes the mark at every 64th byte and the last: enough to catch an overlap of 512-byte blocks. */
  private static void fill(ByteBuffer b, byte mark) {
    for (int i = 0; i < b.limit(); i += 64) {
      b.put(i, mark);
    }
    if (b.limit() > 0) {
      b.put(b.limit() - 1, mark);
    }
  }

  private static void check(ByteBuffer b, byte mark) {
    for (int i = 0; i < b.limit(); i += 64) {
      if (b.get(i) != mark) {
        throw new AssertionError("byte " + i + " of a " + b.limit() + "-byte buffer was overwritten");
      }
    }
    if (b.limit() > 0 && b.get(b.limit() - 1) != mark) {
      throw new AssertionError("last byte overwritten");
    }
  }

  private static void assertNoOverlap(List<Block> live) {
    List<Block> sorted = new ArrayList<>(live);
    sorted.sort(Comparator.comparingLong(b -> b.address));
    for (int i = 1; i < sorted.size(); i++) {
      Block p = sorted.get(i - 1);
      Block b = sorted.get(i);
      assertTrue(p.address + p.size <= b.address, "blocks overlap at " + b.address);
    }
    for (Block b : live) {
      assertTrue(b.address >= b.segment.address && b.address + b.size <= b.segment.address + b.segment.size);
    }
  }
}
