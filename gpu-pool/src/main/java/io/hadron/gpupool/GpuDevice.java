package io.hadron.gpupool;

import java.util.Objects;

/**
 * One CUDA device as detection found it.
 *
 * <p>Immutable. {@code freeMemoryBytes} is the figure at detection; {@link GpuMetricsSource} reports
 * the live one.
 *
 * @param index the CUDA device index (after {@code CUDA_VISIBLE_DEVICES})
 * @param name the product name ("NVIDIA H100 80GB HBM3")
 * @param totalMemoryBytes the device's global memory
 * @param freeMemoryBytes memory free when detected, by NVML if present, else the CUDA runtime
 * @param computeMajor the compute capability's major number (9 for Hopper)
 * @param computeMinor the compute capability's minor number
 * @param pciBusId the PCI address, "domain:bus:device.0" in hex, which NVML shares
 */
public record GpuDevice(
    int index,
    String name,
    long totalMemoryBytes,
    long freeMemoryBytes,
    int computeMajor,
    int computeMinor,
    String pciBusId) {

  public GpuDevice {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pciBusId, "pciBusId");
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, got " + index);
    }
  }

  /** The device label of metrics and {@code ModelInstance#device()}: "gpu" and the index. */
  public String label() {
    return label(index);
  }

  /** The compute capability as "major.minor" ("9.0"). */
  public String computeCapability() {
    return computeMajor + "." + computeMinor;
  }

  static String label(int index) {
    return "gpu" + index;
  }
}
