package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * A caching allocator over one {@link MemoryBackend}: the design of PyTorch's CUDA caching
 * allocator ({@code c10/cuda/CUDACachingAllocator.cpp}), which RAPIDS RMM's pool resource shares in
 * outline, for any kind of memory.
 *
 * <h2>Algorithm</h2>
 *
 * Backend allocations (cudaMalloc, cudaHostAlloc, allocateDirect) are slow and, on a GPU,
 * synchronize the device; freeing them is worse. So memory is taken from the backend in
 * <em>segments</em> that are never given back on a free, only split into <em>blocks</em> and
 * reused. A request is rounded ({@link AllocationSizes}) and looked up in one of two free sets —
 * small (at most 1 MiB, carved from 2 MiB segments) or large — ordered by stream, size, address
 * ({@link Block#ORDER}); the first block at or above the request on the same stream is the best fit.
 * A fitting block is split when the rest is worth keeping; the rest goes back to the set. On a free
 * the block merges with free neighbours in its segment, so a segment whose blocks all came back is
 * one free block again, and only such whole segments are given back to the backend: by {@link
 * #trim}, or when the backend (or the {@linkplain #limitBytes limit}) refuses a new segment, after
 * which the allocation is tried once more before it fails with {@link
 * HadronException.ResourceExhausted}.
 *
 * <p>Oversize blocks (at or above {@code maxSplitSize}; unlimited by default, as in PyTorch) are
 * never split, a request below that size never takes one, and an oversize request takes a cached
 * oversize block only if it wastes less than 20 MiB of it: a huge cached segment otherwise ends up
 * as a long-lived sliver under a small tensor and can never be trimmed.
 *
 * <p>Streams: every segment, and so every block, belongs to the stream its first request named, and
 * a free block is only reused by requests on that stream. Work queued on a stream runs in order, so
 * a block freed on stream S while a kernel on S still reads it is safe to hand to the next request
 * on S. A caller that used a block on another stream must synchronize before freeing it; PyTorch's
 * {@code record_stream} events are not reproduced. Host memory has the single stream 0.
 *
 * <h2>Allocation on the hot path</h2>
 *
 * A hit in the free sets creates nothing: block nodes are recycled through a spare list, the search
 * uses one reusable probe node, and lent host buffers are remembered in an {@link IdentityHashMap}
 * (open addressing, no entry objects). What remains: a {@link TreeSet} insertion creates one tree
 * entry (on a split and on every free); lending a block at a size its node was not last lent at
 * creates a buffer view (a node keeps its address for life, so its last view is reused whenever
 * the size matches again, as it does when a loop borrows the same size); a device lending creates its {@link
 * DeviceBlock} handle; a miss creates a {@link Segment}.
 *
 * <p>Thread-safe: guarded by one lock per allocator, {@code lock}, held for the free-set search,
 * split and merge only. Backend calls — a new segment, giving segments back — run outside it, with
 * the bytes of a segment being made counted in {@code pendingBytes} so that two threads cannot
 * overrun the limit together.
 */
final class CachingAllocator {
  private static final System.Logger LOG = System.getLogger(CachingAllocator.class.getName());

  private final MemoryBackend backend;
  private final long limitBytes;
  private final long maxSplitSize;

  private final Object lock = new Object();
  // Everything below is guarded by lock.
  private final TreeSet<Block> smallFree = new TreeSet<>(Block.ORDER);
  private final TreeSet<Block> largeFree = new TreeSet<>(Block.ORDER);
  private final ArrayList<Segment> segments = new ArrayList<>();
  private final IdentityHashMap<ByteBuffer, Block> lent = new IdentityHashMap<>();
  private final Block probe = new Block();
  private Block spare;
  private long reservedBytes;
  private long pendingBytes;
  private long allocatedBytes;
  private long activeBlocks;
  private long peakReservedBytes;
  private long peakAllocatedBytes;
  private long allocRetries;
  private long ooms;
  private long allocations;

  /**
   * @param limitBytes the most this allocator may reserve ({@link Long#MAX_VALUE}: no limit of its own)
   * @param maxSplitSize blocks this large or larger are never split ({@link Long#MAX_VALUE}: none)
   */
  CachingAllocator(MemoryBackend backend, long limitBytes, long maxSplitSize) {
    if (limitBytes <= 0) {
      throw new IllegalArgumentException("limitBytes must be > 0, got " + limitBytes);
    }
    if (maxSplitSize <= AllocationSizes.SMALL_SIZE) {
      throw new IllegalArgumentException(
          "maxSplitSize must be > " + AllocationSizes.SMALL_SIZE + " (the small-pool bound), got " + maxSplitSize);
    }
    this.backend = backend;
    this.limitBytes = limitBytes;
    this.maxSplitSize = maxSplitSize;
  }

  MemoryBackend backend() {
    return backend;
  }

  /**
   * Lends a block of at least {@code bytes} on {@code stream}; the caller gives it back with {@link
   * #free}.
   *
   * @throws HadronException.ResourceExhausted when neither the cache nor the backend has room,
   *     even after giving back every cached segment
   */
  Block allocate(long bytes, long stream) {
    long rounded = AllocationSizes.round(bytes);
    boolean small = AllocationSizes.isSmall(rounded);
    synchronized (lock) {
      Block b = takeFree(rounded, small, stream);
      if (b != null) {
        return b;
      }
    }
    return allocateSegment(bytes, rounded, small, stream);
  }

  /** Takes back a block {@link #allocate} lent. */
  void free(Block b) {
    synchronized (lock) {
      freeLocked(b);
    }
  }

  /**
   * Lends a direct buffer over host memory: position 0, limit {@code bytes}, capacity the rounded
   * block size. The same buffer object comes back through {@link #release}.
   */
  ByteBuffer lend(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    long rounded = AllocationSizes.round(bytes);
    boolean small = AllocationSizes.isSmall(rounded);
    ByteBuffer view;
    synchronized (lock) {
      Block b = takeFree(rounded, small, 0);
      view = b == null ? null : viewLocked(b);
    }
    if (view == null) {
      Block b = allocateSegment(bytes, rounded, small, 0);
      synchronized (lock) {
        view = viewLocked(b);
      }
    }
    return view.clear().limit(bytes);
  }

  /** Takes back a buffer {@link #lend} returned, the same object. */
  void release(ByteBuffer buffer) {
    synchronized (lock) {
      Block b = lent.remove(buffer);
      if (b == null) {
        throw new IllegalArgumentException(
            "buffer was not lent by this " + backend.kind() + " pool, or was already released: " + buffer);
      }
      freeLocked(b);
    }
  }

  /** Lends device memory under a fresh handle; see {@link DeviceBlock}. */
  DeviceBlock lendDevice(long bytes, long stream) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    Block b = allocate(bytes, stream);
    DeviceBlock handle = new DeviceBlock(this, b, b.address, bytes, b.size, stream);
    synchronized (lock) {
      b.owner = handle;
    }
    return handle;
  }

  /** Takes back device memory {@link #lendDevice} lent. */
  void releaseDevice(DeviceBlock handle) {
    synchronized (lock) {
      if (handle.allocator != this || handle.block.owner != handle) {
        throw new IllegalStateException(
            "device block was not lent by this " + backend.device() + " pool, or was already freed: " + handle);
      }
      freeLocked(handle.block);
    }
  }

  /** Gives every fully free segment back to the backend; returns the bytes given back. */
  long trim() {
    List<Segment> released;
    synchronized (lock) {
      released = detachFreeSegments();
    }
    return freeSegments(released);
  }

  MemoryStats stats() {
    synchronized (lock) {
      long inactiveSplit = 0;
      for (Block b : smallFree) {
        inactiveSplit += b.isSplit() ? b.size : 0;
      }
      for (Block b : largeFree) {
        inactiveSplit += b.isSplit() ? b.size : 0;
      }
      return new MemoryStats(
          backend.device(),
          backend.kind(),
          reservedBytes,
          allocatedBytes,
          activeBlocks,
          inactiveSplit,
          peakReservedBytes,
          peakAllocatedBytes,
          allocRetries,
          ooms,
          segments.size(),
          allocations,
          limitBytes);
    }
  }

  long limitBytes() {
    return limitBytes;
  }

  /**
   * Walks every segment and checks the structure: blocks tile their segment exactly, no two free
   * neighbours, free blocks (and only those) in the free sets, counters equal to what the walk
   * finds. For tests; O(blocks).
   *
   * @throws AssertionError naming the first broken invariant
   */
  void checkInvariants() {
    synchronized (lock) {
      long reserved = 0;
      long allocated = 0;
      long free = 0;
      long active = 0;
      long freeBlocks = 0;
      for (Segment s : segments) {
        reserved += s.size;
        long expect = s.address;
        Block prev = null;
        for (Block b = s.head; b != null; b = b.next) {
          check(b.segment == s, "block in the wrong segment");
          check(b.prev == prev, "broken prev link");
          check(b.address == expect, "gap or overlap at " + b.address + ", expected " + expect);
          check(b.size > 0 && b.size % AllocationSizes.MIN_BLOCK == 0, "bad block size " + b.size);
          check(b.stream == s.stream, "block stream differs from its segment's");
          TreeSet<Block> set = s.small ? smallFree : largeFree;
          if (b.allocated) {
            allocated += b.size;
            active++;
            check(!set.contains(b), "lent block in a free set");
          } else {
            free += b.size;
            freeBlocks++;
            check(set.contains(b), "free block missing from its free set");
            check(prev == null || prev.allocated, "two free neighbours not coalesced");
          }
          expect += b.size;
          prev = b;
        }
        check(expect == s.address + s.size, "blocks do not cover their segment");
      }
      check(freeBlocks == smallFree.size() + largeFree.size(), "free sets hold foreign blocks");
      check(reserved == reservedBytes, "reserved " + reservedBytes + " but segments sum to " + reserved);
      check(allocated == allocatedBytes, "allocated " + allocatedBytes + " but blocks sum to " + allocated);
      check(active == activeBlocks, "active " + activeBlocks + " but counted " + active);
      check(allocated + free == reserved, "allocated + free != reserved");
      check(reservedBytes <= limitBytes, "reserved over the limit");
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  // ---- slow path: a new segment ----

  private Block allocateSegment(long bytes, long rounded, boolean small, long stream) {
    long segmentBytes = AllocationSizes.segmentSize(rounded);
    for (int attempt = 0; ; attempt++) {
      boolean withinLimit;
      synchronized (lock) {
        if (attempt > 0) {
          // Another thread may have freed a fitting block while we were out of the lock.
          Block b = takeFree(rounded, small, stream);
          if (b != null) {
            return b;
          }
        }
        withinLimit = limitBytes - reservedBytes - pendingBytes >= segmentBytes;
        if (withinLimit) {
          pendingBytes += segmentBytes;
        }
      }
      if (withinLimit) {
        Block b = newSegment(segmentBytes, rounded, small, stream);
        if (b != null) {
          return b;
        }
      }
      if (attempt > 0) {
        synchronized (lock) {
          ooms++;
        }
        MemoryStats s = stats();
        throw new HadronException.ResourceExhausted(
            "out of "
                + backend.kind()
                + " memory on "
                + backend.device()
                + ": cannot allocate "
                + bytes
                + " bytes (a "
                + segmentBytes
                + "-byte segment); the pool reserves "
                + s.reservedBytes()
                + " bytes of which "
                + s.allocatedBytes()
                + " are in use"
                + (limitBytes == Long.MAX_VALUE ? "" : ", limit " + limitBytes));
      }
      List<Segment> released;
      synchronized (lock) {
        allocRetries++;
        released = detachFreeSegments();
      }
      freeSegments(released);
    }
  }

  /** Makes a segment (its bytes already in pendingBytes) and lends its first block; null when out of memory. */
  private Block newSegment(long segmentBytes, long rounded, boolean small, long stream) {
    long address = MemoryBackend.OUT_OF_MEMORY;
    ByteBuffer buffer = null;
    try {
      address = backend.allocate(segmentBytes);
      if (address != MemoryBackend.OUT_OF_MEMORY) {
        buffer = backend.map(address, segmentBytes);
      }
    } catch (RuntimeException | Error e) {
      synchronized (lock) {
        pendingBytes -= segmentBytes;
      }
      if (address != MemoryBackend.OUT_OF_MEMORY) {
        backend.free(address, segmentBytes);
      }
      throw e;
    }
    synchronized (lock) {
      pendingBytes -= segmentBytes;
      if (address == MemoryBackend.OUT_OF_MEMORY) {
        return null;
      }
      Segment s = new Segment(address, segmentBytes, stream, small, buffer);
      Block b = node();
      b.address = address;
      b.size = segmentBytes;
      b.stream = stream;
      b.segment = s;
      s.head = b;
      segments.add(s);
      reservedBytes += segmentBytes;
      peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
      return take(b, rounded);
    }
  }

  // ---- under the lock ----

  /** Best fit from the free set, split and marked lent; null when nothing fits. */
  private Block takeFree(long rounded, boolean small, long stream) {
    TreeSet<Block> set = small ? smallFree : largeFree;
    probe.stream = stream;
    probe.size = rounded;
    probe.address = 0;
    Block b = set.ceiling(probe);
    if (b == null || b.stream != stream) {
      return null;
    }
    if (!small) {
      if (rounded < maxSplitSize && b.size >= maxSplitSize) {
        return null; // would pin an oversize block under a normal request
      }
      if (rounded >= maxSplitSize && b.size - rounded >= AllocationSizes.LARGE_SEGMENT) {
        return null; // oversize blocks are not split: take one only if little of it is wasted
      }
    }
    set.remove(b);
    return take(b, rounded);
  }

  /** Splits {@code b} (not in a free set) when worthwhile and marks it lent. */
  private Block take(Block b, long rounded) {
    boolean small = b.segment.small;
    if (AllocationSizes.shouldSplit(b.size, rounded, small, maxSplitSize)) {
      Block rest = node();
      rest.address = b.address + rounded;
      rest.size = b.size - rounded;
      rest.stream = b.stream;
      rest.segment = b.segment;
      rest.prev = b;
      rest.next = b.next;
      if (b.next != null) {
        b.next.prev = rest;
      }
      b.next = rest;
      b.size = rounded;
      (small ? smallFree : largeFree).add(rest);
    }
    b.allocated = true;
    allocatedBytes += b.size;
    activeBlocks++;
    allocations++;
    peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
    return b;
  }

  private void freeLocked(Block b) {
    if (!b.allocated) {
      throw new IllegalStateException("block at " + b.address + " freed twice");
    }
    b.allocated = false;
    b.owner = null;
    allocatedBytes -= b.size;
    activeBlocks--;
    TreeSet<Block> set = b.segment.small ? smallFree : largeFree;
    Block p = b.prev;
    if (p != null && !p.allocated) {
      set.remove(p); // before its size changes: the set is ordered by size
      p.size += b.size;
      p.next = b.next;
      if (b.next != null) {
        b.next.prev = p;
      }
      recycle(b);
      b = p;
    }
    Block n = b.next;
    if (n != null && !n.allocated) {
      set.remove(n);
      b.size += n.size;
      b.next = n.next;
      if (n.next != null) {
        n.next.prev = b;
      }
      recycle(n);
    }
    set.add(b);
  }

  private ByteBuffer viewLocked(Block b) {
    Segment s = b.segment;
    if (s.buffer == null) {
      freeLocked(b);
      throw new UnsupportedOperationException(backend.kind() + " memory cannot be lent as a ByteBuffer");
    }
    ByteBuffer v = b.view;
    if (v == null || v.capacity() != b.size) {
      v = s.buffer.slice((int) (b.address - s.address), (int) b.size);
      b.view = v;
    }
    lent.put(v, b);
    return v;
  }

  /** Removes every segment that is one free block from the books; the caller frees them unlocked. */
  private List<Segment> detachFreeSegments() {
    List<Segment> out = new ArrayList<>();
    for (Iterator<Segment> it = segments.iterator(); it.hasNext(); ) {
      Segment s = it.next();
      Block h = s.head;
      if (!h.allocated && h.next == null) {
        (s.small ? smallFree : largeFree).remove(h);
        reservedBytes -= s.size;
        recycle(h);
        s.head = null;
        it.remove();
        out.add(s);
      }
    }
    return out;
  }

  private Block node() {
    Block b = spare;
    if (b == null) {
      return new Block();
    }
    spare = b.next;
    b.next = null;
    return b;
  }

  private void recycle(Block b) {
    b.clear();
    b.next = spare;
    spare = b;
  }

  // ---- unlocked ----

  private long freeSegments(List<Segment> released) {
    long bytes = 0;
    for (Segment s : released) {
      try {
        backend.free(s.address, s.size);
        bytes += s.size;
      } catch (RuntimeException e) {
        // The books already dropped it; a failing free leaks the segment, which is all we can do.
        LOG.log(System.Logger.Level.WARNING, "cannot free a " + backend.kind() + " segment on " + backend.device(), e);
      }
    }
    return bytes;
  }
}
