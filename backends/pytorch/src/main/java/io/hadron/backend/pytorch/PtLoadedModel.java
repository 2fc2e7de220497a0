package io.hadron.backend.pytorch;

import ai.djl.Model;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Closer;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One loaded model version: its configuration and one DJL model per instance.
 *
 * <p>Thread-safe: the fields are final and {@link #close()} is made idempotent by one atomic flag,
 * which instances also read to refuse work after unloading.
 */
final class PtLoadedModel implements LoadedModel {
  private final ModelConfig config;
  private final List<PtModelInstance> instances;
  private final List<ModelInstance> view;
  private final AtomicBoolean closed;

  PtLoadedModel(ModelConfig config, List<PtModelInstance> instances, AtomicBoolean closed) {
    this.config = config;
    this.instances = List.copyOf(instances);
    this.view = List.copyOf(instances);
    this.closed = closed;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ModelInstance> instances() {
    return view;
  }

  /** Closes every instance's model (its native tensors and module), then empties the CUDA cache. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = closeModels(instances.stream().map(PtModelInstance::model).toList(), null);
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Closes every model, even when some fail to close, then returns freed GPU memory to the driver.
   * Failures are added to {@code primary} when there is one; otherwise the first becomes an {@link
   * HadronException.Internal} that is returned with the rest suppressed in it.
   */
  static RuntimeException closeModels(List<Model> models, Throwable primary) {
    Closer closer = new Closer(primary);
    for (Model m : models) {
      closer.run("closing a PyTorch model", m::close);
    }
    closer.run("emptying the CUDA cache", Torch::emptyCudaCache);
    return closer.failure();
  }
}
