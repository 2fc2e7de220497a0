package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.List;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;

/**
 * Every direct use of JCuda's runtime API outside the memory backend. Loading the {@code JCuda}
 * class loads its native library, which fails on a machine without the CUDA libraries, so nothing
 * here runs until {@link GpuDevices} calls {@link #probe} inside a guard for {@link LinkageError}.
 * The driver API ({@code jcuda.driver}) is never touched.
 *
 * <p>Thread-safe (stateless; the CUDA runtime is thread-safe).
 */
final class CudaRuntime {
  private CudaRuntime() {}

  /**
   * The CUDA devices, or none with the reason. Exceptions are switched off first, process-wide, so
   * every call returns its status instead of throwing; the probe counts devices before anything
   * else, so a machine with the libraries but no GPU (or no driver) stops at that status.
   *
   * @throws LinkageError when the JCuda natives or the CUDA libraries cannot be loaded
   */
  static GpuDevices probe(Nvml nvml) {
    JCuda.setExceptionsEnabled(false);
    int[] count = new int[1];
    int rc = JCuda.cudaGetDeviceCount(count);
    if (rc != cudaError.cudaSuccess) {
      return GpuDevices.none("cudaGetDeviceCount failed: " + cudaError.stringFor(rc) + " (" + rc + ")");
    }
    if (count[0] <= 0) {
      return GpuDevices.none("the CUDA runtime reports no device");
    }
    List<GpuDevice> devices = new ArrayList<>(count[0]);
    for (int i = 0; i < count[0]; i++) {
      cudaDeviceProp prop = new cudaDeviceProp();
      check(JCuda.cudaGetDeviceProperties(prop, i), "cudaGetDeviceProperties(" + i + ")");
      String busId = String.format("%08x:%02x:%02x.0", prop.pciDomainID, prop.pciBusID, prop.pciDeviceID);
      // NVML first: cudaMemGetInfo creates a CUDA context on the device, which costs device
      // memory on every GPU, including those no model will use.
      Nvml.Reading r = nvml.read(busId);
      long free = r != null ? r.memoryTotal() - r.memoryUsed() : memGetInfo(i)[0];
      devices.add(new GpuDevice(i, prop.getName(), prop.totalGlobalMem, free, prop.major, prop.minor, busId));
    }
    return GpuDevices.of(devices);
  }

  /** {free, total} bytes of a device, from the CUDA runtime; makes a context on it if none exists. */
  static long[] memGetInfo(int device) {
    long[] free = new long[1];
    long[] total = new long[1];
    int previous = switchTo(device);
    try {
      check(JCuda.cudaMemGetInfo(free, total), "cudaMemGetInfo on " + GpuDevice.label(device));
    } finally {
      switchBack(previous, device);
    }
    return new long[] {free[0], total[0]};
  }

  /** Makes {@code device} current for this thread; returns the device that was current. */
  static int switchTo(int device) {
    int[] current = new int[1];
    check(JCuda.cudaGetDevice(current), "cudaGetDevice");
    if (current[0] != device) {
      check(JCuda.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
    }
    return current[0];
  }

  static void switchBack(int previous, int device) {
    if (previous != device) {
      JCuda.cudaSetDevice(previous);
    }
  }

  static void check(int rc, String call) {
    if (rc != cudaError.cudaSuccess) {
      throw new HadronException.Internal(call + " failed: " + cudaError.stringFor(rc) + " (" + rc + ")", null);
    }
  }
}
