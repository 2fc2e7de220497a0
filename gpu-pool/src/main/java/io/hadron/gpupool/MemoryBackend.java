package io.hadron.gpupool;

import java.nio.ByteBuffer;

/**
 * Where a {@link CachingAllocator} gets its segments: one kind of memory on one device. The
 * allocator calls it rarely (a cache miss, a trim), so an implementation may be slow but must be
 * safe to call from any thread, outside the allocator's lock.
 *
 * <p>Implementations are thread-safe.
 */
interface MemoryBackend {
  /** What {@link #allocate} returns when the memory is not there (the allocator then trims and retries). */
  long OUT_OF_MEMORY = -1;

  /** The device label this memory counts against, as metrics spell it ("cpu", "gpu0"). */
  String device();

  /** What kind of memory, for messages ("host", "pinned host", "device"). */
  String kind();

  /**
   * Reserves {@code bytes} and returns the address of the first byte, or {@link #OUT_OF_MEMORY}.
   * Addresses only need to be unique and non-overlapping among live segments; a backend without
   * real addresses may number its segments.
   *
   * @throws io.hadron.core.HadronException.Internal on any failure other than memory exhaustion
   */
  long allocate(long bytes);

  /** Gives back a segment {@link #allocate} returned, with the same size. */
  void free(long address, long bytes);

  /**
   * A direct buffer over the whole segment at {@code address}, for host memory; {@code null} for
   * memory the host cannot address.
   */
  ByteBuffer map(long address, long bytes);
}
