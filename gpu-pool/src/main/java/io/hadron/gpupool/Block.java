package io.hadron.gpupool;

import java.nio.ByteBuffer;
import java.util.Comparator;

/**
 * A run of bytes inside one {@link Segment}: lent out, or free and in its pool's ordered set.
 * Blocks of a segment form a doubly linked list in address order that covers the segment exactly;
 * two free neighbours never stay apart (freeing coalesces them). Nodes are recycled through the
 * allocator's spare list, so steady-state allocation creates none.
 *
 * <p>Guarded by the owning {@link CachingAllocator}'s lock: every field is read and written under it.
 * A field must not change while the block is in an ordered set, whose order depends on it.
 */
final class Block {
  /**
   * The order of a free set: stream, then size, then address. A search for (stream, size, 0) lands
   * on the smallest block of that stream that is large enough — best fit — and among equals the
   * lowest address, which keeps allocation near the start of segments and leaves their ends free
   * to coalesce.
   */
  static final Comparator<Block> ORDER =
      (a, b) -> {
        int c = Long.compare(a.stream, b.stream);
        if (c != 0) {
          return c;
        }
        c = Long.compare(a.size, b.size);
        return c != 0 ? c : Long.compareUnsigned(a.address, b.address);
      };

  long address;
  long size;
  long stream;
  Segment segment;
  Block prev;
  /** The next block of the segment; on a spare node, the next spare. */
  Block next;
  boolean allocated;
  /**
   * Host memory only: the buffer last lent for this node, lent again when the node is lent at the
   * same size (its capacity), so that a warm pool hands out buffers without creating any. Valid
   * across splits and merges because a node never changes its address: a split keeps the lower
   * part, a merge keeps the lower node. Cleared when the node is recycled.
   */
  ByteBuffer view;
  /** Device memory only: the handle this block is lent under, checked when it comes back. */
  Object owner;

  /** Whether the block shares its segment with others, i.e. the segment has been split. */
  boolean isSplit() {
    return prev != null || next != null;
  }

  void clear() {
    address = 0;
    size = 0;
    stream = 0;
    segment = null;
    prev = null;
    next = null;
    allocated = false;
    view = null;
    owner = null;
  }
}
