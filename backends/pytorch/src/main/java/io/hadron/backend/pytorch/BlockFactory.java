package io.hadron.backend.pytorch;

import ai.djl.nn.Block;
import io.hadron.core.config.ModelConfig;

/**
 * Builds the DJL {@link Block} of a model whose network is written in Java, for models stored as
 * DJL parameter files rather than TorchScript.
 *
 * <p>A model names its factory with the configuration parameter {@code hadron.djl.block_factory}
 * (the binary name of a class on the server's class path with a public no-argument constructor).
 * For each instance the backend calls {@link #newBlock} once and then reads the block's parameters
 * from the model file, which must be in DJL's saved-model format ({@code Model.save}); see the
 * package documentation for the whole contract.
 *
 * <p>Implementations are thread-safe: instances of several models may be built at once on the
 * server's loader threads.
 */
@FunctionalInterface
public interface BlockFactory {
  /**
   * A new, uninitialised block with the structure of the saved parameters. Every call returns a
   * fresh block: each instance of a model owns its own parameters.
   *
   * @param config the model's completed configuration; its inputs (in the order they are passed to
   *     the block) and their {@code dims} are there for networks whose structure depends on them
   */
  Block newBlock(ModelConfig config);
}
