package io.hadron.backend.onnxruntime;

import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.BackendOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Completes a configuration from a model's signature and checks the two agree, after the rules of
 * Triton's ONNX Runtime backend.
 *
 * <ul>
 *   <li>Inputs, when the configuration lists none, are every model input; outputs, when it lists
 *       none, every model output. A listed set is kept as written: all model inputs must appear
 *       (ONNX Runtime cannot run without them), outputs may be a subset.
 *   <li>{@code max_batch_size} is set to the server's default only when the configuration leaves it
 *       at 0, lists no inputs and no outputs (it is wholly auto-completed), and every model input and
 *       output has a dynamic first dimension. The batch dimension is then left out of {@code dims}.
 *       Otherwise {@code dims} are full shapes, as the configuration's own {@code max_batch_size}
 *       says.
 *   <li>A listed tensor must exist in the model with the same datatype and compatible dims: a
 *       dimension the model fixes must be given exactly; one it leaves dynamic may be given any
 *       size or -1. With {@code max_batch_size > 0} every model input and every listed output needs
 *       a dynamic first dimension to carry the batch.
 *   <li>A tensor this backend cannot carry (see {@link OrtTypes}), or a sequence or map, is an
 *       {@link HadronException.Unsupported} error when it would be part of the configuration.
 * </ul>
 *
 * <p>Stateless.
 */
final class ConfigCompleter {
  static final String PLATFORM = "onnxruntime_onnx";
  static final String BACKEND = "onnxruntime";

  private ConfigCompleter() {}

  /**
   * The configuration with what it left out filled in from the model.
   *
   * @throws HadronException naming the tensor and the disagreement
   */
  static ModelConfig complete(ModelConfig config, ModelSignature model, BackendOptions options) {
    boolean autoInputs = config.inputs().isEmpty();
    boolean autoOutputs = config.outputs().isEmpty();
    int maxBatchSize = config.maxBatchSize();
    if (maxBatchSize == 0 && autoInputs && autoOutputs && model.batchable()) {
      maxBatchSize = options.defaultMaxBatchSize();
    }
    boolean batched = maxBatchSize > 0;
    ModelConfig.Builder b = config.toBuilder().maxBatchSize(maxBatchSize);
    if (autoInputs) {
      b.inputs(fill(config.name(), "input", model.inputs(), batched));
    }
    if (autoOutputs) {
      b.outputs(fill(config.name(), "output", model.outputs(), batched));
    }
    if (config.platform().isEmpty()) {
      b.platform(PLATFORM);
    }
    if (config.backend().isEmpty()) {
      b.backend(BACKEND);
    }
    ModelConfig completed = build(config.name(), b);
    validate(completed, model);
    return completed;
  }

  /**
   * Checks a complete configuration against the model, without changing it.
   *
   * @throws HadronException naming the tensor and the disagreement
   */
  static void validate(ModelConfig config, ModelSignature model) {
    String name = config.name();
    boolean batched = config.batched();
    for (TensorConfig declared : config.inputs()) {
      ModelSignature.Io io = model.input(declared.name()).orElseThrow(() ->
          new HadronException.InvalidArgument("model '" + name + "': configuration input '"
              + declared.name() + "' is not an input of the model; the model's inputs are "
              + model.inputNames()));
      check(name, "input", declared, io, batched);
    }
    for (ModelSignature.Io io : model.inputs()) {
      if (config.input(io.name()).isEmpty()) {
        throw new HadronException.InvalidArgument("model '" + name + "': model input '" + io.name()
            + "' (" + io.describe() + ") is missing from the configuration, which lists "
            + config.inputs().stream().map(TensorConfig::name).toList());
      }
    }
    for (TensorConfig declared : config.outputs()) {
      ModelSignature.Io io = model.output(declared.name()).orElseThrow(() ->
          new HadronException.InvalidArgument("model '" + name + "': configuration output '"
              + declared.name() + "' is not an output of the model; the model's outputs are "
              + model.outputNames()));
      check(name, "output", declared, io, batched);
    }
  }

  private static List<TensorConfig> fill(
      String name, String kind, List<ModelSignature.Io> ios, boolean batched) {
    List<TensorConfig> out = new ArrayList<>(ios.size());
    for (ModelSignature.Io io : ios) {
      requireSupported(name, kind, io);
      long[] shape = io.shape();
      long[] dims = batched && shape.length > 0 ? Arrays.copyOfRange(shape, 1, shape.length) : shape;
      out.add(new TensorConfig(io.name(), io.datatype(), dims, false));
    }
    return out;
  }

  private static void check(
      String name, String kind, TensorConfig declared, ModelSignature.Io io, boolean batched) {
    requireSupported(name, kind, io);
    String prefix = "model '" + name + "': " + kind + " '" + io.name() + "'";
    if (declared.datatype() != io.datatype()) {
      throw new HadronException.InvalidArgument(prefix + " is " + declared.datatype().configName()
          + " in the configuration but " + io.datatype().configName() + " in the model");
    }
    long[] model = io.shape();
    if (batched && !io.batchable()) {
      throw new HadronException.InvalidArgument(prefix + " has shape " + Shapes.format(model)
          + " in the model, whose first dimension cannot carry a batch, but max_batch_size is "
          + "above 0; set max_batch_size to 0 and give full shapes in dims");
    }
    long[] modelDims = batched ? Arrays.copyOfRange(model, 1, model.length) : model;
    long[] dims = declared.dims();
    boolean compatible = dims.length == modelDims.length;
    for (int i = 0; compatible && i < dims.length; i++) {
      compatible = modelDims[i] == Shapes.DYNAMIC || modelDims[i] == dims[i];
    }
    if (!compatible) {
      throw new HadronException.InvalidArgument(prefix + " has dims " + Shapes.format(dims)
          + " in the configuration but the model gives " + Shapes.format(modelDims)
          + (batched ? " after its batch dimension" : "")
          + "; a dimension the model fixes must be given exactly");
    }
  }

  private static void requireSupported(String name, String kind, ModelSignature.Io io) {
    if (!io.supported()) {
      throw new HadronException.Unsupported("model '" + name + "': " + kind + " '" + io.name()
          + "' is " + io.unsupported()
          + (kind.equals("output")
              ? "; list the outputs you need in the configuration to leave it out" : ""));
    }
  }

  private static ModelConfig build(String name, ModelConfig.Builder b) {
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new HadronException.InvalidArgument("model '" + name + "': " + e.getMessage(), e);
    }
  }
}
