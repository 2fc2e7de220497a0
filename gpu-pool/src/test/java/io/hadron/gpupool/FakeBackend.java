package io.hadron.gpupool;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A backend with a fixed amount of memory and numbered addresses, like a small GPU: refuses a
 * segment beyond its capacity, counts calls, and optionally backs segments with heap buffers so
 * that lending works. Thread-safe.
 */
final class FakeBackend implements MemoryBackend {
  private final long capacity;
  private final boolean hostMapped;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong next = new AtomicLong(1L << 40);
  private final ConcurrentHashMap<Long, Long> live = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, ByteBuffer> buffers = new ConcurrentHashMap<>();
  final AtomicInteger allocations = new AtomicInteger();
  final AtomicInteger refusals = new AtomicInteger();
  final AtomicInteger frees = new AtomicInteger();

  FakeBackend(long capacity, boolean hostMapped) {
    this.capacity = capacity;
    this.hostMapped = hostMapped;
  }

  @Override
  public String device() {
    return "gpu7";
  }

  @Override
  public String kind() {
    return "device";
  }

  @Override
  public long allocate(long bytes) {
    long u;
    do {
      u = used.get();
      if (u + bytes > capacity) {
        refusals.incrementAndGet();
        return OUT_OF_MEMORY;
      }
    } while (!used.compareAndSet(u, u + bytes));
    allocations.incrementAndGet();
    long address = next.getAndAdd(bytes + 4096);
    live.put(address, bytes);
    if (hostMapped) {
      buffers.put(address, ByteBuffer.allocateDirect((int) bytes));
    }
    return address;
  }

  @Override
  public void free(long address, long bytes) {
    Long size = live.remove(address);
    if (size == null || size != bytes) {
      throw new AssertionError("bad free of " + address + " (" + bytes + " bytes), live size " + size);
    }
    buffers.remove(address);
    used.addAndGet(-bytes);
    frees.incrementAndGet();
  }

  @Override
  public ByteBuffer map(long address, long bytes) {
    return hostMapped ? buffers.get(address) : null;
  }

  long usedBytes() {
    return used.get();
  }

  int liveSegments() {
    return live.size();
  }
}
