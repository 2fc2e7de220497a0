package io.hadron.batching;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default {@link BufferPool}: direct buffers in power-of-two size classes from 4 KiB to 1 GiB,
 * each class a stack of freed buffers (the most recently used, likeliest still in cache, is lent
 * first). Freed buffers are kept while the total kept stays under a bound; beyond it they are left
 * to the garbage collector. Requests above 1 GiB are allocated exactly and never kept.
 *
 * <p>Thread-safe: each class's stack is guarded by its own monitor; the kept total is atomic.
 */
final class DirectBufferPool implements BufferPool {
  private static final int MIN_SHIFT = 12;
  private static final int MAX_SHIFT = 30;

  private final long maxRetainedBytes;
  private final AtomicLong retainedBytes = new AtomicLong();
  /** Freed buffers by size class (index = log2 of the capacity). */
  private final SizeClass[] free = new SizeClass[MAX_SHIFT + 1];

  private static final class SizeClass {
    final ArrayDeque<ByteBuffer> stack = new ArrayDeque<>();
  }

  DirectBufferPool(long maxRetainedBytes) {
    if (maxRetainedBytes < 0) {
      throw new IllegalArgumentException("maxRetainedBytes must be >= 0, got " + maxRetainedBytes);
    }
    this.maxRetainedBytes = maxRetainedBytes;
    for (int s = MIN_SHIFT; s <= MAX_SHIFT; s++) {
      free[s] = new SizeClass();
    }
  }

  @Override
  public ByteBuffer acquire(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    int shift = shiftFor(bytes);
    if (shift > MAX_SHIFT) {
      return allocate(bytes).limit(bytes);
    }
    ByteBuffer b;
    SizeClass c = free[shift];
    synchronized (c) {
      b = c.stack.pollLast();
    }
    if (b == null) {
      b = allocate(1 << shift);
    } else {
      retainedBytes.addAndGet(-b.capacity());
    }
    return b.clear().limit(bytes);
  }

  @Override
  public void release(ByteBuffer buffer) {
    int cap = buffer.capacity();
    if (!buffer.isDirect() || Integer.bitCount(cap) != 1 || cap < (1 << MIN_SHIFT) || cap > (1 << MAX_SHIFT)) {
      return; // not one of ours, or too large to keep
    }
    if (retainedBytes.addAndGet(cap) > maxRetainedBytes) {
      retainedBytes.addAndGet(-cap);
      return;
    }
    SizeClass c = free[Integer.numberOfTrailingZeros(cap)];
    synchronized (c) {
      c.stack.addLast(buffer);
    }
  }

  /** Bytes held for reuse now. */
  long retainedBytes() {
    return retainedBytes.get();
  }

  private static int shiftFor(int bytes) {
    if (bytes <= (1 << MIN_SHIFT)) {
      return MIN_SHIFT;
    }
    return 32 - Integer.numberOfLeadingZeros(bytes - 1);
  }

  private static ByteBuffer allocate(int bytes) {
    try {
      return ByteBuffer.allocateDirect(bytes);
    } catch (OutOfMemoryError e) {
      throw new HadronException.ResourceExhausted("cannot allocate a " + bytes + "-byte direct buffer for a batch", e);
    }
  }
}
