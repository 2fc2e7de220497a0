package io.hadron.core.spi;

import io.hadron.core.config.ModelConfig;
import java.util.List;

/**
 * One loaded version of a model: its completed configuration and its instances.
 *
 * <p>Thread-safe. {@link #close()} is called once, after every instance has stopped executing, and
 * frees everything the engine holds for this version.
 */
public interface LoadedModel extends AutoCloseable {
  ModelConfig config();

  /** The instances, one per execution slot; at least one. */
  List<ModelInstance> instances();

  @Override
  void close();
}
