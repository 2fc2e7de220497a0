package io.hadron.core.spi;

import io.hadron.core.config.ModelConfig;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The {@link LoadedModel} every engine needs: a completed configuration, its instances, and a
 * close that runs once and frees what the engine holds. The engine supplies how to free (closing
 * its sessions or models, typically through a {@link Closer}).
 *
 * <p>Thread-safe: the fields are final; {@link #close()} is made idempotent by one atomic flag,
 * which the engine's instances may share to refuse work after unloading.
 */
public final class LoadedInstances implements LoadedModel {
  private final ModelConfig config;
  private final List<ModelInstance> instances;
  private final AtomicBoolean closed;
  private final Function<Throwable, RuntimeException> free;

  /**
   * @param closed set when the model closes; the instances may read it
   * @param free frees everything the engine holds for this version; given the failure being
   *     handled (null on a plain close), it returns the failure to throw, or null
   */
  public LoadedInstances(ModelConfig config, List<? extends ModelInstance> instances, AtomicBoolean closed,
      Function<Throwable, RuntimeException> free) {
    this.config = Objects.requireNonNull(config, "config");
    this.instances = List.copyOf(instances);
    this.closed = Objects.requireNonNull(closed, "closed");
    this.free = Objects.requireNonNull(free, "free");
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ModelInstance> instances() {
    return instances;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = free.apply(null);
    if (failure != null) {
      throw failure;
    }
  }
}
