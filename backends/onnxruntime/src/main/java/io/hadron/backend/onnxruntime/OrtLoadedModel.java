package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OrtSession;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Closer;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One loaded model version: its configuration and one session per instance.
 *
 * <p>Thread-safe: the fields are final and {@link #close()} is made idempotent by one atomic flag,
 * which instances also read to refuse work after unloading.
 */
final class OrtLoadedModel implements LoadedModel {
  private final ModelConfig config;
  private final List<OrtModelInstance> instances;
  private final List<ModelInstance> view;
  private final AtomicBoolean closed;

  OrtLoadedModel(ModelConfig config, List<OrtModelInstance> instances, AtomicBoolean closed) {
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

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure =
        closeSessions(instances.stream().map(OrtModelInstance::session).toList(), null);
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Closes every session, even when some fail to close. Failures are added to {@code primary} when
   * there is one; otherwise the first becomes an {@link HadronException.Internal} that is returned
   * with the rest suppressed in it.
   */
  static RuntimeException closeSessions(List<OrtSession> sessions, Throwable primary) {
    Closer closer = new Closer(primary);
    for (OrtSession s : sessions) {
      closer.run("closing an ONNX Runtime session", s::close);
    }
    return closer.failure();
  }
}
