package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

/**
 * CUDA memory for a caching allocator: device memory of one GPU ({@code cudaMalloc}) or pinned
 * host memory ({@code cudaHostAlloc} with {@code cudaHostAllocPortable}, so that one pinned pool
 * serves copies to every GPU). Only made once {@link CudaRuntime#probe} found a device, so the
 * JCuda classes are loaded and exceptions are off: every call returns its status.
 *
 * <p>A device allocation makes its GPU current for the calling thread and then restores the
 * thread's previous device, since callers are engine threads with their own current device.
 *
 * <p>Thread-safe: the CUDA runtime is; the pointers of live segments are in a concurrent map.
 */
final class CudaBackend implements MemoryBackend {
  private final boolean pinned;
  private final int deviceIndex;
  private final String device;
  /** The pointer objects of live segments: JCuda frees through the object it allocated into. */
  private final ConcurrentHashMap<Long, DevicePointer> pointers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, ByteBuffer> buffers = new ConcurrentHashMap<>();

  private CudaBackend(boolean pinned, int deviceIndex) {
    this.pinned = pinned;
    this.deviceIndex = deviceIndex;
    this.device = pinned ? "cpu" : GpuDevice.label(deviceIndex);
  }

  static CudaBackend device(int deviceIndex) {
    return new CudaBackend(false, deviceIndex);
  }

  static CudaBackend pinnedHost() {
    return new CudaBackend(true, -1);
  }

  @Override
  public String device() {
    return device;
  }

  @Override
  public String kind() {
    return pinned ? "pinned host" : "device";
  }

  @Override
  public long allocate(long bytes) {
    DevicePointer p = new DevicePointer();
    int rc;
    if (pinned) {
      if (bytes > Integer.MAX_VALUE) {
        throw new HadronException.ResourceExhausted(
            "pinned host segments are limited to " + Integer.MAX_VALUE + " bytes, asked for " + bytes);
      }
      rc = JCuda.cudaHostAlloc(p, bytes, JCuda.cudaHostAllocPortable);
    } else {
      int previous = CudaRuntime.switchTo(deviceIndex);
      try {
        rc = JCuda.cudaMalloc(p, bytes);
      } finally {
        CudaRuntime.switchBack(previous, deviceIndex);
      }
    }
    if (rc == cudaError.cudaErrorMemoryAllocation) {
      JCuda.cudaGetLastError(); // clear the sticky-until-read error so the next call starts clean
      return OUT_OF_MEMORY;
    }
    CudaRuntime.check(rc, pinned ? "cudaHostAlloc" : "cudaMalloc on " + device);
    long address = p.address();
    pointers.put(address, p);
    if (pinned) {
      ByteBuffer b = p.getByteBuffer(0, bytes);
      if (b == null) {
        JCuda.cudaFreeHost(p);
        throw new HadronException.Internal("cudaHostAlloc returned no host buffer for " + bytes + " bytes", null);
      }
      buffers.put(address, b);
    }
    return address;
  }

  @Override
  public void free(long address, long bytes) {
    DevicePointer p = pointers.remove(address);
    if (p == null) {
      throw new IllegalStateException("no " + kind() + " segment at 0x" + Long.toHexString(address));
    }
    if (pinned) {
      buffers.remove(address);
      CudaRuntime.check(JCuda.cudaFreeHost(p), "cudaFreeHost");
    } else {
      int previous = CudaRuntime.switchTo(deviceIndex);
      try {
        CudaRuntime.check(JCuda.cudaFree(p), "cudaFree on " + device);
      } finally {
        CudaRuntime.switchBack(previous, deviceIndex);
      }
    }
  }

  @Override
  public ByteBuffer map(long address, long bytes) {
    return pinned ? buffers.get(address) : null;
  }
}
