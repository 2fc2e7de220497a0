package io.hadron.gpupool;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.hadron.core.HadronException;
import io.hadron.core.spi.DeviceMetricsSource;
import java.nio.ByteBuffer;
import java.util.List;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA paths on a real GPU. Tagged "gpu": left out of the default run; scripts/run-gpu-tests.sh
 * runs them, and they skip themselves where detection finds no device.
 */
@Tag("gpu")
class GpuPoolGpuTest {
  private static final long MIB = 1L << 20;

  @BeforeEach
  void needsAGpu() {
    assumeFalse(GpuDevices.system().isEmpty(), () -> "no GPU: " + GpuDevices.system().reason());
  }

  @Test
  void detectionDescribesEveryDevice() {
    for (GpuDevice d : GpuDevices.system().list()) {
      assertFalse(d.name().isBlank());
      assertTrue(d.totalMemoryBytes() > 0);
      assertTrue(d.freeMemoryBytes() > 0 && d.freeMemoryBytes() <= d.totalMemoryBytes());
      assertTrue(d.computeMajor() >= 3, d.computeCapability());
      assertTrue(d.pciBusId().matches("[0-9a-f]{8}:[0-9a-f]{2}:[0-9a-f]{2}\\.0"), d.pciBusId());
    }
  }

  @Test
  void deviceMemoryHoldsWhatIsCopiedInAndIsReusedAfterAFree() {
    try (MemoryPools pools = MemoryPools.create(PoolOptions.defaults())) {
      DeviceMemoryPool pool = pools.devicePool(0);
      HostMemoryPool pinned = pools.pinnedPool().orElseThrow();
      int n = 4 * (int) MIB;
      ByteBuffer in = pinned.acquire(n);
      ByteBuffer out = pinned.acquire(n);
      for (int i = 0; i < n; i++) {
        in.put(i, (byte) (i * 31));
      }
      DeviceBlock d = pool.allocate(n);
      int previous = CudaRuntime.switchTo(0);
      try {
        CudaRuntime.check(
            JCuda.cudaMemcpy(new DevicePointer(d.address()), Pointer.to(in), n, cudaMemcpyKind.cudaMemcpyHostToDevice),
            "cudaMemcpy to device");
        CudaRuntime.check(
            JCuda.cudaMemcpy(Pointer.to(out), new DevicePointer(d.address()), n, cudaMemcpyKind.cudaMemcpyDeviceToHost),
            "cudaMemcpy to host");
      } finally {
        CudaRuntime.switchBack(previous, 0);
      }
      assertEquals(in, out);
      long address = d.address();
      pool.free(d);
      DeviceBlock again = pool.allocate(n - 1000);
      assertEquals(address, again.address(), "the cached block is lent again");
      pool.free(again);
      pinned.release(in);
      pinned.release(out);
      MemoryStats s = pool.stats();
      assertEquals(0, s.allocatedBytes());
      assertEquals(2, s.allocations());
      assertTrue(pool.trim() > 0);
      assertEquals(0, pool.stats().reservedBytes());
    }
  }

  @Test
  void aDevicePoolOverItsLimitRetriesOnceAndFailsNamingTheDevice() {
    try (MemoryPools pools = MemoryPools.create(PoolOptions.builder().deviceMemoryFraction(0.01).build())) {
      DeviceMemoryPool pool = pools.devicePool(0);
      long limit = pool.stats().limitBytes();
      DeviceBlock held = pool.allocate(limit / 2);
      HadronException.ResourceExhausted e =
          assertThrows(HadronException.ResourceExhausted.class, () -> pool.allocate(limit));
      assertTrue(e.getMessage().contains("gpu0"), e.getMessage());
      assertEquals(1, pool.stats().allocRetries());
      assertEquals(1, pool.stats().ooms());
      pool.free(held);
    }
  }

  @Test
  void metricsReportEveryDeviceWithThePoolsBytes() {
    try (MemoryPools pools = MemoryPools.create(PoolOptions.defaults())) {
      DeviceBlock b = pools.devicePool(0).allocate(64 * MIB);
      List<DeviceMetricsSource.Sample> samples = new GpuMetricsSource().sample();
      assertEquals(GpuDevices.system().list().size(), samples.size());
      DeviceMetricsSource.Sample s = samples.get(0);
      assertEquals("gpu0", s.device());
      assertTrue(s.memoryTotalBytes() > 0);
      assertTrue(s.memoryUsedBytes() >= 64 * MIB, "our own 64 MiB is in use");
      assertEquals(64 * MIB, s.poolAllocatedBytes());
      assertTrue(s.poolReservedBytes() >= s.poolAllocatedBytes(), "reserved includes what is lent");
      assertTrue(Double.isNaN(s.utilization()) || (s.utilization() >= 0 && s.utilization() <= 1));
      if (Nvml.system().isPresent()) {
        assertFalse(Double.isNaN(s.utilization()), "NVML is loaded: " + Nvml.system().status());
      }
      pools.devicePool(0).free(b);
    }
  }
}
