package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain off-heap host memory from {@link ByteBuffer#allocateDirect}: the memory of a machine
 * without a GPU, and of the tests. Java gives no address for such a buffer without native access,
 * so segments are numbered in a private address space (each one's range disjoint from the others),
 * which is all the allocator needs. {@link #free} drops the buffer; the JDK's cleaner returns the
 * memory when the buffer is next collected, not at once, so the process's resident size trails a
 * trim. The JDK also zeroes every new direct buffer, which makes a segment miss cost a memset.
 *
 * <p>Thread-safe: segments are kept in a concurrent map; the address counter is atomic.
 */
final class HostBackend implements MemoryBackend {
  /** Gap between numbered segments, so that an address one past a segment is never another's first. */
  private static final long GUARD = AllocationSizes.SMALL_SEGMENT;

  private final AtomicLong nextAddress = new AtomicLong(GUARD);
  private final ConcurrentHashMap<Long, ByteBuffer> segments = new ConcurrentHashMap<>();

  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public String kind() {
    return "host";
  }

  @Override
  public long allocate(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      // A direct buffer is int-indexed; the lending API never asks for more.
      throw new HadronException.ResourceExhausted(
          "host memory segments are limited to " + Integer.MAX_VALUE + " bytes, asked for " + bytes);
    }
    ByteBuffer buffer;
    try {
      buffer = ByteBuffer.allocateDirect((int) bytes);
    } catch (OutOfMemoryError e) {
      return OUT_OF_MEMORY; // -XX:MaxDirectMemorySize reached, or the machine is out of memory
    }
    long address = nextAddress.getAndAdd(bytes + GUARD);
    segments.put(address, buffer);
    return address;
  }

  @Override
  public void free(long address, long bytes) {
    if (segments.remove(address) == null) {
      throw new IllegalStateException("no host segment at " + address);
    }
  }

  @Override
  public ByteBuffer map(long address, long bytes) {
    ByteBuffer b = segments.get(address);
    if (b == null) {
      throw new IllegalStateException("no host segment at " + address);
    }
    return b;
  }
}
