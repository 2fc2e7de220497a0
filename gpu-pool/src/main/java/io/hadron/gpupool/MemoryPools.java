package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The caching pools of one server: plain host memory always, and with a GPU a pinned host pool
 * and one pool per device. Pools reserve nothing until first used. Open one per process: device
 * pools register for {@link GpuMetricsSource} until {@link #close()}.
 *
 * <p>Thread-safe: immutable after construction; the pools are thread-safe.
 */
public final class MemoryPools implements AutoCloseable {
  private final GpuDevices devices;
  private final HostMemoryPool host;
  private final HostMemoryPool pinned;
  private final List<DeviceMemoryPool> devicePools;

  private MemoryPools(GpuDevices devices, HostMemoryPool host, HostMemoryPool pinned, List<DeviceMemoryPool> pools) {
    this.devices = devices;
    this.host = host;
    this.pinned = pinned;
    this.devicePools = List.copyOf(pools);
  }

  /** Pools for this process's GPUs ({@link GpuDevices#system()}). */
  public static MemoryPools create(PoolOptions options) {
    return create(options, GpuDevices.system());
  }

  /** Pools for the given devices; {@link GpuDevices#none} gives host memory only. */
  public static MemoryPools create(PoolOptions options, GpuDevices devices) {
    long split = options.maxSplitSizeBytes();
    HostMemoryPool host = new HostMemoryPool(new CachingAllocator(new HostBackend(), options.hostLimitBytes(), split));
    if (devices.isEmpty()) {
      return new MemoryPools(devices, host, null, List.of());
    }
    HostMemoryPool pinned =
        new HostMemoryPool(new CachingAllocator(CudaBackend.pinnedHost(), options.pinnedLimitBytes(), split));
    List<DeviceMemoryPool> pools = new ArrayList<>();
    for (GpuDevice d : devices.list()) {
      long limit = (long) Math.floor(d.totalMemoryBytes() * options.deviceMemoryFraction());
      DeviceMemoryPool p = new DeviceMemoryPool(new CachingAllocator(CudaBackend.device(d.index()), limit, split), d.index());
      pools.add(p);
      PoolRegistry.add(p);
    }
    return new MemoryPools(devices, host, pinned, pools);
  }

  public GpuDevices devices() {
    return devices;
  }

  /** Plain off-heap host memory. */
  public HostMemoryPool hostPool() {
    return host;
  }

  /** Pinned host memory; empty without a GPU. */
  public Optional<HostMemoryPool> pinnedPool() {
    return Optional.ofNullable(pinned);
  }

  /** Where batches are assembled: pinned memory with a GPU (copies to it skip staging), else plain host. */
  public HostMemoryPool stagingPool() {
    return pinned != null ? pinned : host;
  }

  /**
   * The pool of the GPU with this CUDA index.
   *
   * @throws HadronException.InvalidArgument when there is no such GPU
   */
  public DeviceMemoryPool devicePool(int device) {
    devices.get(device); // throws naming the devices there are
    return devicePools.get(device);
  }

  /** One pool per GPU, in index order; empty without a GPU. */
  public List<DeviceMemoryPool> devicePools() {
    return devicePools;
  }

  /**
   * Gives every cached free segment back and stops reporting the device pools. Memory still lent
   * stays with its borrowers.
   */
  @Override
  public void close() {
    host.trim();
    if (pinned != null) {
      pinned.trim();
    }
    for (DeviceMemoryPool p : devicePools) {
      PoolRegistry.remove(p);
      p.trim();
    }
  }
}
