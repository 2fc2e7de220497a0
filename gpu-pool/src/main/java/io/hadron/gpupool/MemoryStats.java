package io.hadron.gpupool;

/**
 * The counters of one caching pool at one moment, named as PyTorch's {@code
 * torch.cuda.memory_stats()} names them where they mean the same.
 *
 * <p>Immutable. Every figure of one snapshot was read under the pool's lock at the same instant, so
 * {@code allocatedBytes + cachedBytes() == reservedBytes} always holds.
 *
 * @param device the device label ("cpu", "gpu0")
 * @param kind the kind of memory ("host", "pinned host", "device")
 * @param reservedBytes bytes held from the backend, in all segments
 * @param allocatedBytes bytes of blocks lent out (rounded sizes, so at least what was asked for)
 * @param activeBlocks blocks lent out
 * @param inactiveSplitBytes free bytes in segments that also hold other blocks: memory the pool
 *     holds but cannot give back, a measure of fragmentation
 * @param peakReservedBytes the most {@code reservedBytes} has been
 * @param peakAllocatedBytes the most {@code allocatedBytes} has been
 * @param allocRetries allocations that failed once, freed cached segments and tried again
 * @param ooms allocations that failed after the retry
 * @param segments segments held
 * @param allocations allocations served since the pool was made
 * @param limitBytes the most the pool may reserve; {@link Long#MAX_VALUE} when unlimited
 */
public record MemoryStats(
    String device,
    String kind,
    long reservedBytes,
    long allocatedBytes,
    long activeBlocks,
    long inactiveSplitBytes,
    long peakReservedBytes,
    long peakAllocatedBytes,
    long allocRetries,
    long ooms,
    long segments,
    long allocations,
    long limitBytes) {

  /** Bytes held in free blocks, ready for the next allocation without a backend call. */
  public long cachedBytes() {
    return reservedBytes - allocatedBytes;
  }
}
