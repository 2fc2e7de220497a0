package io.hadron.gpupool;

/**
 * How {@link MemoryPools} sizes its pools. Built with {@link #builder()}; a bad value fails at
 * {@link Builder#build()} naming the field and the value, never clamped.
 *
 * <p>Immutable.
 *
 * @param hostLimitBytes the most the plain host pool may reserve; {@link Long#MAX_VALUE}: no limit
 *     beyond {@code -XX:MaxDirectMemorySize}
 * @param pinnedLimitBytes the most the pinned host pool may reserve; {@link Long#MAX_VALUE}: none
 *     (pinned memory cannot be swapped out, so a limit is wise on a shared machine)
 * @param deviceMemoryFraction each device pool may reserve this fraction of its GPU's memory, in
 *     (0, 1]; 1 leaves the limit to the driver
 * @param maxSplitSizeBytes cached blocks this large or larger are never split ({@link
 *     Long#MAX_VALUE}: none, as PyTorch's default); must be above 1 MiB
 */
public record PoolOptions(
    long hostLimitBytes, long pinnedLimitBytes, double deviceMemoryFraction, long maxSplitSizeBytes) {

  public PoolOptions {
    positive("hostLimitBytes", hostLimitBytes);
    positive("pinnedLimitBytes", pinnedLimitBytes);
    if (!(deviceMemoryFraction > 0 && deviceMemoryFraction <= 1)) {
      throw new IllegalArgumentException("deviceMemoryFraction must be in (0, 1], got " + deviceMemoryFraction);
    }
    if (maxSplitSizeBytes <= AllocationSizes.SMALL_SIZE) {
      throw new IllegalArgumentException(
          "maxSplitSizeBytes must be > " + AllocationSizes.SMALL_SIZE + " (1 MiB, the small-pool bound), got "
              + maxSplitSizeBytes);
    }
  }

  /** No limits of the pools' own; no maximum split size. */
  public static PoolOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }

  /** Confined to the thread that builds. */
  public static final class Builder {
    private long hostLimitBytes = Long.MAX_VALUE;
    private long pinnedLimitBytes = Long.MAX_VALUE;
    private double deviceMemoryFraction = 1.0;
    private long maxSplitSizeBytes = Long.MAX_VALUE;

    private Builder() {}

    public Builder hostLimitBytes(long bytes) {
      this.hostLimitBytes = bytes;
      return this;
    }

    public Builder pinnedLimitBytes(long bytes) {
      this.pinnedLimitBytes = bytes;
      return this;
    }

    public Builder deviceMemoryFraction(double fraction) {
      this.deviceMemoryFraction = fraction;
      return this;
    }

    public Builder maxSplitSizeBytes(long bytes) {
      this.maxSplitSizeBytes = bytes;
      return this;
    }

    public PoolOptions build() {
      return new PoolOptions(hostLimitBytes, pinnedLimitBytes, deviceMemoryFraction, maxSplitSizeBytes);
    }
  }
}
