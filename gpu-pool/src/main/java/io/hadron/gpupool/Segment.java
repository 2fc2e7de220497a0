package io.hadron.gpupool;

import java.nio.ByteBuffer;

/**
 * One allocation from a {@link MemoryBackend}, which the caching allocator splits into blocks and
 * gives back whole (on a trim, or to make room after a failed allocation) once every block of it
 * is free again.
 *
 * <p>Immutable, except {@link #head}, which is guarded by the owning allocator's lock (and in
 * practice never changes: merges keep the lower block, so the first block stays first).
 */
final class Segment {
  final long address;
  final long size;
  final long stream;
  final boolean small;
  /** A direct buffer over the whole segment for host memory; null for device memory. */
  final ByteBuffer buffer;

  Block head;

  Segment(long address, long size, long stream, boolean small, ByteBuffer buffer) {
    this.address = address;
    this.size = size;
    this.stream = stream;
    this.small = small;
    this.buffer = buffer;
  }
}
