package io.hadron.gpupool;

import io.hadron.core.spi.DeviceMetricsSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Device metrics for the server's {@code /metrics}, found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services}). Per GPU: memory total and used by every process (NVML when the
 * driver has it, else {@code cudaMemGetInfo}), the bytes Hadron's device pools hold (reserved from
 * the driver: what the device sees of Hadron, cached blocks included) and of those the bytes lent
 * out, and utilization (NVML only,
 * else NaN). Without a GPU it reports no device.
 *
 * <p>Thread-safe: NVML reads are serialized inside {@link Nvml}; the rest is read-only.
 */
public final class GpuMetricsSource implements DeviceMetricsSource {
  private final GpuDevices devices;
  private final Nvml nvml;

  /** For {@link java.util.ServiceLoader}: this process's GPUs (detected now, if not yet). */
  public GpuMetricsSource() {
    this(GpuDevices.system(), null);
  }

  GpuMetricsSource(GpuDevices devices, Nvml nvml) {
    this.devices = devices;
    this.nvml = nvml;
  }

  @Override
  public List<Sample> sample() {
    if (devices.isEmpty()) {
      return List.of();
    }
    Nvml n = nvml != null ? nvml : Nvml.system();
    List<Sample> out = new ArrayList<>(devices.list().size());
    for (GpuDevice d : devices.list()) {
      double total;
      double used;
      double utilization;
      Nvml.Reading r = n.read(d.pciBusId());
      if (r != null) {
        total = r.memoryTotal();
        used = r.memoryUsed();
        utilization = r.utilization();
      } else {
        utilization = Double.NaN;
        long[] freeTotal = memGetInfo(d.index());
        total = freeTotal == null ? d.totalMemoryBytes() : freeTotal[1];
        used = freeTotal == null ? Double.NaN : freeTotal[1] - freeTotal[0];
      }
      out.add(new Sample(d.label(), total, used, PoolRegistry.reservedBytes(d.index()),
          PoolRegistry.allocatedBytes(d.index()), utilization));
    }
    return out;
  }

  private static long[] memGetInfo(int device) {
    try {
      return CudaRuntime.memGetInfo(device);
    } catch (RuntimeException e) {
      return null; // a scrape reports what it can; the figure reads NaN
    }
  }
}
