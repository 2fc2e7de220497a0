package io.hadron.backend.pytorch;

import ai.djl.Model;
import io.hadron.core.HadronException;
import io.hadron.core.spi.Closer;
import java.util.List;

/** Frees DJL models. Stateless. */
final class PtModels {
  private PtModels() {}

  /**
   * Closes every model (its native tensors and module), even when some fail to close, then returns
   * freed GPU memory to the driver. Failures are added to {@code primary} when there is one;
   * otherwise the first becomes an {@link HadronException.Internal} that is returned with the rest
   * suppressed in it.
   */
  static RuntimeException close(List<Model> models, Throwable primary) {
    Closer closer = new Closer(primary);
    for (Model m : models) {
      closer.run("closing a PyTorch model", m::close);
    }
    closer.run("emptying the CUDA cache", Torch::emptyCudaCache);
    return closer.failure();
  }
}
