package io.hadron.gpupool;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hadron.core.HadronException;
import io.hadron.core.spi.DeviceMetricsSource;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class GpuDevicesTest {
  @Test
  void detectionOnAMachineWithoutAGpuGivesNoDevicesAndAReason() {
    GpuDevices d = assertDoesNotThrow(GpuDevices::system);
    assumeTrue(d.isEmpty(), "this machine has a GPU");
    assertTrue(d.list().isEmpty());
    assertFalse(d.reason().isBlank());
  }

  @Test
  void aMissingNativeLibraryMeansNoGpu() {
    GpuDevices d =
        GpuDevices.detect(
            () -> {
              throw new UnsatisfiedLinkError("no JCudaRuntime-12.6.0-linux-x86_64 in java.library.path");
            });
    assertTrue(d.isEmpty());
    assertTrue(d.reason().contains("JCudaRuntime"), d.reason());
  }

  @Test
  void aClassThatFailedToInitializeMeansNoGpu() {
    GpuDevices d =
        GpuDevices.detect(
            () -> {
              throw new NoClassDefFoundError("Could not initialize class jcuda.runtime.JCuda");
            });
    assertTrue(d.isEmpty());
  }

  @Test
  void aFailingDeviceCountMeansNoGpu() {
    GpuDevices d = GpuDevices.detect(() -> GpuDevices.none("cudaGetDeviceCount failed: cudaErrorNoDevice (100)"));
    assertTrue(d.isEmpty());
    assertTrue(d.reason().contains("100"));
  }

  @Test
  void askingForAMissingGpuFailsNamingWhatThereIs() {
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> GpuDevices.none("no driver").get(0));
    assertTrue(e.getMessage().contains("no driver"));
  }

  @Test
  void foundDevicesAreListedInIndexOrder() {
    GpuDevices d =
        GpuDevices.of(
            List.of(
                new GpuDevice(0, "A", 1L << 34, 1L << 33, 8, 0, "00000000:01:00.0"),
                new GpuDevice(1, "B", 1L << 34, 1L << 33, 9, 0, "00000000:02:00.0")));
    assertEquals(2, d.list().size());
    assertEquals("gpu1", d.get(1).label());
    assertEquals("9.0", d.get(1).computeCapability());
    assertEquals("2 CUDA devices", d.reason());
  }

  @Test
  void withoutAGpuThePoolsAreHostOnly() {
    try (MemoryPools pools = MemoryPools.create(PoolOptions.defaults(), GpuDevices.none("test"))) {
      assertTrue(pools.pinnedPool().isEmpty());
      assertSame(pools.hostPool(), pools.stagingPool());
      assertTrue(pools.devicePools().isEmpty());
      assertThrows(HadronException.InvalidArgument.class, () -> pools.devicePool(0));
      var b = pools.hostPool().acquire(100);
      assertEquals("cpu", pools.hostPool().device());
      pools.hostPool().release(b);
    }
  }

  @Test
  void withoutAGpuTheMetricsSourceReportsNoDevice() {
    assertEquals(List.of(), new GpuMetricsSource(GpuDevices.none("test"), Nvml.absent()).sample());
  }

  @Test
  void theMetricsSourceIsFoundByServiceLoader() {
    List<DeviceMetricsSource> found =
        ServiceLoader.load(DeviceMetricsSource.class).stream().map(ServiceLoader.Provider::get).toList();
    assertEquals(1, found.size());
    assertInstanceOf(GpuMetricsSource.class, found.get(0));
    assertDoesNotThrow(found.get(0)::sample);
  }

  @Test
  void poolOptionsRejectBadValuesNamingThem() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PoolOptions.builder().deviceMemoryFraction(0).build());
    assertTrue(e.getMessage().contains("deviceMemoryFraction"));
    e = assertThrows(IllegalArgumentException.class, () -> PoolOptions.builder().pinnedLimitBytes(-1).build());
    assertTrue(e.getMessage().contains("pinnedLimitBytes"));
    e = assertThrows(IllegalArgumentException.class, () -> PoolOptions.builder().maxSplitSizeBytes(4096).build());
    assertTrue(e.getMessage().contains("maxSplitSizeBytes"));
  }

  @Test
  void nvmlIsAbsentQuietlyWhenTheLibraryIsMissing() {
    Nvml n = assertDoesNotThrow(Nvml::system);
    assumeTrue(!n.isPresent(), "this machine has NVML");
    assertNull(n.read("00000000:01:00.0"));
    assertFalse(n.status().isBlank());
  }
}
