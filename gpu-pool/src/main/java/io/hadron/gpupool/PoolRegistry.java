package io.hadron.gpupool;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The device pools of every open {@link MemoryPools}, for {@link GpuMetricsSource}: the server
 * finds the metrics source through {@link java.util.ServiceLoader}, which can hand it nothing, so
 * the two meet here.
 *
 * <p>Thread-safe: a copy-on-write list (pools register when a {@link MemoryPools} opens and leave
 * when it closes; the metrics source iterates once per scrape).
 */
final class PoolRegistry {
  private static final CopyOnWriteArrayList<DeviceMemoryPool> DEVICE_POOLS = new CopyOnWriteArrayList<>();

  private PoolRegistry() {}

  static void add(DeviceMemoryPool pool) {
    DEVICE_POOLS.add(pool);
  }

  static void remove(DeviceMemoryPool pool) {
    DEVICE_POOLS.remove(pool);
  }

  /** Bytes reserved by Hadron's pools on the device with this index. */
  static long reservedBytes(int deviceIndex) {
    long sum = 0;
    for (DeviceMemoryPool p : DEVICE_POOLS) {
      if (p.deviceIndex() == deviceIndex) {
        sum += p.stats().reservedBytes();
      }
    }
    return sum;
  }

  /** Bytes lent out now by Hadron's pools on the device with this index. */
  static long allocatedBytes(int deviceIndex) {
    long sum = 0;
    for (DeviceMemoryPool p : DEVICE_POOLS) {
      if (p.deviceIndex() == deviceIndex) {
        sum += p.stats().allocatedBytes();
      }
    }
    return sum;
  }
}
