package io.hadron.core.spi;

import io.hadron.core.config.ModelConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * An inference engine (ONNX Runtime, PyTorch, ...). The server finds backends with {@link
 * java.util.ServiceLoader} and reaches engines only through this interface, so a new engine is one
 * new module.
 *
 * <p>Implementations are thread-safe: the server completes and loads different models on a small
 * pool of loader threads at once.
 */
public interface Backend {
  /** The name a configuration's {@code backend} field uses, e.g. {@code "onnxruntime"}. */
  String name();

  /** The Triton {@code platform} values this backend serves, e.g. {@code "onnxruntime_onnx"}. */
  Set<String> platforms();

  /** The model file looked for in a version directory when the config names none. */
  String defaultModelFileName();

  /**
   * Completes a configuration from the model's own metadata, as Triton's auto-complete does: fills
   * in inputs and outputs the file left out and {@code max_batch_size} when every input and output
   * has a dynamic first dimension; checks that declared inputs and outputs exist in the model.
   *
   * @throws io.hadron.core.HadronException naming the file and the problem
   */
  ModelConfig complete(ModelConfig config, Path modelFile, BackendOptions options);

  /**
   * Loads one version of a model and creates its instances as the configuration's instance groups
   * ask. Failure leaves nothing allocated.
   *
   * @throws io.hadron.core.HadronException naming the file and the problem
   */
  LoadedModel load(ModelConfig config, Path modelFile, BackendOptions options);
}
