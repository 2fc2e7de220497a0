package io.hadron.batching;

import java.nio.ByteBuffer;

/**
 * Where batch assembly borrows the contiguous buffers it concatenates request inputs into. A plain
 * direct-memory pool is the default; a pool of pinned host memory can stand in for it so that the
 * engine copies a batch to the device without staging.
 *
 * <p>Implementations are thread-safe: every instance thread of every model borrows and returns.
 */
public interface BufferPool {
  /**
   * Lends a direct buffer with position 0 and limit {@code bytes}; its capacity may be larger. The
   * byte order is unspecified (callers set it); the contents are unspecified.
   *
   * @throws io.hadron.core.HadronException.ResourceExhausted when the pool cannot lend that much
   */
  ByteBuffer acquire(int bytes);

  /**
   * Takes back a buffer this pool lent, the same object {@link #acquire} returned (not a slice or
   * duplicate). The caller no longer touches it, nor any view of it.
   */
  void release(ByteBuffer buffer);

  /** A pool that keeps up to {@code maxRetainedBytes} of freed direct buffers for reuse. */
  static BufferPool direct(long maxRetainedBytes) {
    return new DirectBufferPool(maxRetainedBytes);
  }

  /** Allocates every time and drops what it is given back; for tests and comparisons. */
  static BufferPool unpooled() {
    return new BufferPool() {
      @Override
      public ByteBuffer acquire(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
      }

      @Override
      public void release(ByteBuffer buffer) {}
    };
  }
}
