package io.hadron.gpupool;

/**
 * The size rules of the caching allocator, taken from PyTorch's CUDA caching allocator
 * ({@code c10/cuda/CUDACachingAllocator.cpp}: {@code kMinBlockSize}, {@code kSmallSize}, {@code
 * kSmallBuffer}, {@code kMinLargeAlloc}, {@code kLargeBuffer}, {@code kRoundLarge}) so that figures
 * people know from {@code torch.cuda.memory_stats()} read the same here:
 *
 * <ul>
 *   <li>every request is rounded up to a multiple of 512 bytes (0 becomes 512), which keeps block
 *       addresses 512-aligned within a segment and bounds the number of distinct sizes;
 *   <li>a rounded request of at most 1 MiB is <em>small</em>: it is carved from 2 MiB segments, so
 *       many small tensors share one backend allocation;
 *   <li>a larger request below 10 MiB gets a 20 MiB segment, which the next few medium requests
 *       then share;
 *   <li>10 MiB and above gets a segment of exactly its size rounded up to a multiple of 2 MiB.
 * </ul>
 *
 * <p>Immutable (constants and pure functions).
 */
final class AllocationSizes {
  static final long MIN_BLOCK = 512;
  static final long SMALL_SIZE = 1L << 20;
  static final long SMALL_SEGMENT = 2L << 20;
  static final long MIN_LARGE_ALLOC = 10L << 20;
  static final long LARGE_SEGMENT = 20L << 20;
  static final long ROUND_LARGE = 2L << 20;

  private AllocationSizes() {}

  /** The block size a request of {@code bytes} occupies. */
  static long round(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    if (bytes <= MIN_BLOCK) {
      return MIN_BLOCK;
    }
    return ceil(bytes, MIN_BLOCK);
  }

  /** Whether a rounded size is served from the small pool. */
  static boolean isSmall(long rounded) {
    return rounded <= SMALL_SIZE;
  }

  /** The segment size to ask the backend for when no cached block fits {@code rounded}. */
  static long segmentSize(long rounded) {
    if (rounded <= SMALL_SIZE) {
      return SMALL_SEGMENT;
    }
    if (rounded < MIN_LARGE_ALLOC) {
      return LARGE_SEGMENT;
    }
    return ceil(rounded, ROUND_LARGE);
  }

  /**
   * Whether a free block of {@code blockSize} handed out for {@code rounded} should be split, the
   * rest going back to the pool. Small blocks split whenever the rest is a usable block; large ones
   * only when the rest is itself a large size (over 1 MiB), so that the large pool does not fill
   * with slivers, and never for a request at or above {@code maxSplitSize}: an oversize block stays
   * whole (and {@link CachingAllocator} never gives one to a smaller request), so a huge segment is
   * not nibbled away by medium requests and can still be trimmed.
   */
  static boolean shouldSplit(long blockSize, long rounded, boolean small, long maxSplitSize) {
    long remaining = blockSize - rounded;
    if (small) {
      return remaining >= MIN_BLOCK;
    }
    return rounded < maxSplitSize && remaining > SMALL_SIZE;
  }

  private static long ceil(long bytes, long unit) {
    long r = bytes + unit - 1;
    if (r < 0) {
      throw new IllegalArgumentException("bytes too large to round: " + bytes);
    }
    return r / unit * unit;
  }
}
