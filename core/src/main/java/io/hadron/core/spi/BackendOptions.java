package io.hadron.core.spi;

/**
 * Server-wide engine settings that a model's own configuration may override. Immutable.
 *
 * @param defaultMaxBatchSize the {@code max_batch_size} auto-complete gives a model that can batch
 *     (Triton's default is 4)
 * @param intraOpThreads threads one engine instance uses inside an operator; 0 lets the engine decide
 * @param interOpThreads threads one engine instance uses across operators; 0 lets the engine decide
 */
public record BackendOptions(int defaultMaxBatchSize, int intraOpThreads, int interOpThreads) {
  public static final BackendOptions DEFAULT = new BackendOptions(4, 0, 0);

  public BackendOptions {
    if (defaultMaxBatchSize < 0) {
      throw new IllegalArgumentException("defaultMaxBatchSize must be >= 0, got " + defaultMaxBatchSize);
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
    }
    if (interOpThreads < 0) {
      throw new IllegalArgumentException("interOpThreads must be >= 0, got " + interOpThreads);
    }
  }
}
