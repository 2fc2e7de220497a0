package io.hadron.gpupool;

/**
 * Device memory lent by a {@link DeviceMemoryPool}: a device pointer and a size, for handing to an
 * engine (ONNX Runtime IOBinding, a CUDA kernel). Give it back with {@link DeviceMemoryPool#free};
 * a handle is good for one free, after which its address may be lent again under another handle.
 *
 * <p>Immutable (the pool-side state it refers to is guarded by the pool's lock).
 */
public final class DeviceBlock {
  final CachingAllocator allocator;
  final Block block;
  private final long address;
  private final long size;
  private final long capacity;
  private final long stream;

  DeviceBlock(CachingAllocator allocator, Block block, long address, long size, long capacity, long stream) {
    this.allocator = allocator;
    this.block = block;
    this.address = address;
    this.size = size;
    this.capacity = capacity;
    this.stream = stream;
  }

  /** The device address of the first byte. */
  public long address() {
    return address;
  }

  /** The bytes asked for. */
  public long size() {
    return size;
  }

  /** The bytes usable at {@link #address()}: the size rounded up to the pool's block size. */
  public long capacity() {
    return capacity;
  }

  /** The CUDA stream (a {@code cudaStream_t} value; 0 for the default stream) the block may be used on. */
  public long stream() {
    return stream;
  }

  @Override
  public String toString() {
    return "DeviceBlock[" + allocator.backend().device() + " 0x" + Long.toHexString(address) + ", " + size + " bytes]";
  }
}
