package io.hadron.gpupool;

import java.nio.ByteBuffer;

/**
 * A caching pool of host memory that lends direct {@link ByteBuffer}s: pinned (page-locked, so
 * that copies to a GPU need no staging) when it comes from {@link MemoryPools#pinnedPool()}, plain
 * off-heap memory when from {@link MemoryPools#hostPool()}. The lending methods have the names and
 * the contract of batching's {@code BufferPool}, so the server adapts a pool in three lines:
 *
 * <pre>{@code
 * HostMemoryPool pool = pools.stagingPool();
 * BufferPool buffers = new BufferPool() {
 *   public ByteBuffer acquire(int bytes) { return pool.acquire(bytes); }
 *   public void release(ByteBuffer buffer) { pool.release(buffer); }
 * };
 * }</pre>
 *
 * <p>Thread-safe: one lock per pool, held only to find, split or merge a block (see {@link
 * CachingAllocator}).
 */
public final class HostMemoryPool {
  private final CachingAllocator allocator;

  HostMemoryPool(CachingAllocator allocator) {
    this.allocator = allocator;
  }

  /**
   * Lends a direct buffer with position 0 and limit {@code bytes}; its capacity is {@code bytes}
   * rounded up to a multiple of 512. The byte order and the contents are unspecified (a reused
   * buffer keeps what its last borrower wrote and set).
   *
   * @throws io.hadron.core.HadronException.ResourceExhausted when the pool cannot lend that much
   */
  public ByteBuffer acquire(int bytes) {
    return allocator.lend(bytes);
  }

  /**
   * Takes back a buffer this pool lent, the same object {@link #acquire} returned (not a slice or
   * duplicate). The caller no longer touches it, nor any view of it.
   *
   * @throws IllegalArgumentException when the buffer is not one this pool has lent out
   */
  public void release(ByteBuffer buffer) {
    allocator.release(buffer);
  }

  /** Gives cached segments that are wholly free back to the system; returns the bytes given back. */
  public long trim() {
    return allocator.trim();
  }

  public MemoryStats stats() {
    return allocator.stats();
  }

  /** The device label this memory counts against ("cpu"). */
  public String device() {
    return allocator.backend().device();
  }

  CachingAllocator allocator() {
    return allocator;
  }
}
