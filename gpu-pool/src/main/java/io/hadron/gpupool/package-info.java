/**
 * GPU discovery, caching memory pools, and the memory budget that places and evicts models.
 *
 * <p>Public surface: {@link io.hadron.gpupool.GpuDevices} and {@link io.hadron.gpupool.GpuDevice}
 * (what is there); {@link io.hadron.gpupool.MemoryPools} with {@link io.hadron.gpupool.PoolOptions}
 * (the pools: {@link io.hadron.gpupool.HostMemoryPool} lends {@link java.nio.ByteBuffer}s, {@link
 * io.hadron.gpupool.DeviceMemoryPool} lends {@link io.hadron.gpupool.DeviceBlock}s, both report
 * {@link io.hadron.gpupool.MemoryStats}); {@link io.hadron.gpupool.MemoryBudget} (where a model
 * goes and what leaves to make room); {@link io.hadron.gpupool.GpuMetricsSource} (registered for
 * {@code ServiceLoader}). Everything else is package-private. The allocator's algorithm is
 * described on {@code CachingAllocator}, the budget's on {@link io.hadron.gpupool.MemoryBudget}.
 */
package io.hadron.gpupool;
