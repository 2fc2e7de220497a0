package io.hadron.batching;

import java.util.Objects;

/**
 * Server-side settings of a scheduler that the model configuration does not carry. Immutable.
 *
 * @param clock the clock every scheduling decision reads (timeouts, queue delay, metrics)
 * @param pool where batch assembly borrows its input buffers
 * @param listener receives per-batch and per-rejection events for metrics
 * @param withoutDynamicBatching what a model with {@code max_batch_size > 0} but no {@code
 *     dynamic_batching} block gets
 * @param instanceThreadSetup runs first on every instance thread, before it takes any work: where the
 *     server gives the threads that run engines their CPU scheduling class. It must not throw; if it
 *     does, the failure is logged and the instance serves anyway
 */
public record SchedulerOptions(
    NanoClock clock, BufferPool pool, SchedulerListener listener, WithoutDynamicBatching withoutDynamicBatching,
    Runnable instanceThreadSetup) {

  /**
   * The treatment of a batching model whose configuration has no {@code dynamic_batching} block.
   * Triton runs such a model one request per execution, and so does Hadron by default; the other
   * choice batches it as if it had an empty block (no delay, no preferred sizes, one level).
   */
  public enum WithoutDynamicBatching {
    /** Triton's behaviour: every execution takes exactly one request, with its own batch size. */
    ONE_REQUEST_PER_EXECUTION,
    /** Combine requests as an empty {@code dynamic_batching {}} block would. */
    DEFAULT_DYNAMIC_BATCHING
  }

  /** Bytes of freed batch buffers the default pool keeps for reuse, shared by every model. */
  public static final long DEFAULT_POOL_RETAINED_BYTES = 256L << 20;

  public SchedulerOptions {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(withoutDynamicBatching, "withoutDynamicBatching");
    Objects.requireNonNull(instanceThreadSetup, "instanceThreadSetup");
  }

  /**
   * The system clock, the shared default direct-buffer pool, no listener, Triton's behaviour, and
   * instance threads left as they are created.
   */
  public static SchedulerOptions defaults() {
    return new SchedulerOptions(
        NanoClock.SYSTEM, DefaultPool.INSTANCE, SchedulerListener.NOOP,
        WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION, () -> {});
  }

  public SchedulerOptions withClock(NanoClock v) {
    return new SchedulerOptions(v, pool, listener, withoutDynamicBatching, instanceThreadSetup);
  }

  public SchedulerOptions withPool(BufferPool v) {
    return new SchedulerOptions(clock, v, listener, withoutDynamicBatching, instanceThreadSetup);
  }

  public SchedulerOptions withListener(SchedulerListener v) {
    return new SchedulerOptions(clock, pool, v, withoutDynamicBatching, instanceThreadSetup);
  }

  public SchedulerOptions withWithoutDynamicBatching(WithoutDynamicBatching v) {
    return new SchedulerOptions(clock, pool, listener, v, instanceThreadSetup);
  }

  public SchedulerOptions withInstanceThreadSetup(Runnable v) {
    return new SchedulerOptions(clock, pool, listener, withoutDynamicBatching, v);
  }

  /** Created on first use, so a server that brings its own pool never allocates this one. */
  private static final class DefaultPool {
    static final BufferPool INSTANCE = BufferPool.direct(DEFAULT_POOL_RETAINED_BYTES);
  }
}
