package io.hadron.core.spi;

import java.util.List;
import java.util.Objects;

/**
 * What a device layer reports about the accelerators it manages, for the metrics endpoint. The
 * server finds sources with {@link java.util.ServiceLoader}, as it finds backends, and publishes
 * each figure as a gauge labelled with the device; with no source, no device metric exists. The
 * source stays free of any metrics library, so a device module depends on {@code core} alone.
 *
 * <p>Implementations are thread-safe. {@link #sample()} is called at most once per scrape, from a
 * worker thread; it should read cached or cheap values (allocator counters, an NVML query) and
 * return quickly.
 */
public interface DeviceMetricsSource {
  /**
   * The figures of one device at one moment. A figure the device cannot tell is {@link Double#NaN}.
   *
   * @param device the label, as {@link ModelInstance#device()} spells it ("gpu0")
   * @param memoryTotalBytes the device's memory
   * @param memoryUsedBytes memory in use on the device, by any process
   * @param poolReservedBytes memory Hadron's own allocator has taken from the device (what the
   *     device sees of Hadron: blocks in use and blocks cached for reuse)
   * @param poolAllocatedBytes of that, the bytes lent out now
   * @param utilization the fraction of time the device was busy over the source's last interval, 0 to 1
   */
  record Sample(
      String device, double memoryTotalBytes, double memoryUsedBytes, double poolReservedBytes,
      double poolAllocatedBytes, double utilization) {
    public Sample {
      Objects.requireNonNull(device, "device");
    }
  }

  /**
   * One sample per device. The set of devices is fixed for the life of the source: the server
   * registers gauges for the devices of the first sample, and later samples fill them in.
   */
  List<Sample> sample();
}
