package io.hadron.gpupool;

/**
 * A caching pool of one GPU's memory (cudaMalloc'd segments, split into blocks; see {@link
 * CachingAllocator} for the algorithm). A block freed on a stream is lent again only for that
 * stream: a caller that used it on another stream synchronizes before {@link #free}.
 *
 * <p>Thread-safe: one lock per pool, held only to find, split or merge a block.
 */
public final class DeviceMemoryPool {
  private final CachingAllocator allocator;
  private final int deviceIndex;

  DeviceMemoryPool(CachingAllocator allocator, int deviceIndex) {
    this.allocator = allocator;
    this.deviceIndex = deviceIndex;
  }

  /** Lends {@code bytes} of device memory for the default stream. */
  public DeviceBlock allocate(long bytes) {
    return allocate(bytes, 0);
  }

  /**
   * Lends {@code bytes} of device memory for {@code stream} (a {@code cudaStream_t} value).
   *
   * @throws io.hadron.core.HadronException.ResourceExhausted when the device (or the pool's limit)
   *     has no room even after the pool gave back every cached segment
   */
  public DeviceBlock allocate(long bytes, long stream) {
    return allocator.lendDevice(bytes, stream);
  }

  /**
   * Takes back a block this pool lent.
   *
   * @throws IllegalStateException when the block is not lent by this pool, or was freed already
   */
  public void free(DeviceBlock block) {
    allocator.releaseDevice(block);
  }

  /** Gives cached segments that are wholly free back to the driver; returns the bytes given back. */
  public long trim() {
    return allocator.trim();
  }

  public MemoryStats stats() {
    return allocator.stats();
  }

  /** The CUDA device index. */
  public int deviceIndex() {
    return deviceIndex;
  }

  /** The device label ("gpu0"). */
  public String device() {
    return allocator.backend().device();
  }
}
