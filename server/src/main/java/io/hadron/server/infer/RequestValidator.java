package io.hadron.server.infer;

import io.hadron.core.HadronException;
import io.hadron.core.RequestedOutput;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a decoded request against the model's configuration, so that nothing malformed reaches an
 * engine: every input known, present once, of the declared datatype and a compatible shape, the
 * batch dimension within {@code max_batch_size}; every requested output known and asked once.
 *
 * <p>Stateless and thread-safe.
 */
final class RequestValidator {
  private RequestValidator() {}

  /** Returns the inputs in the model's declared order. */
  static List<Tensor> inputs(ModelConfig config, List<Tensor> given) {
    String model = config.name();
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor t : given) {
      if (byName.put(t.name(), t) != null) {
        throw new HadronException.InvalidArgument("duplicate input '" + t.name() + "' in request for model '" + model + "'");
      }
      if (config.input(t.name()).isEmpty()) {
        throw new HadronException.InvalidArgument("unknown input '" + t.name() + "' for model '" + model
            + "'; its inputs are " + config.inputs().stream().map(TensorConfig::name).toList());
      }
    }
    List<Tensor> ordered = new ArrayList<>(config.inputs().size());
    long batch = -1;
    for (TensorConfig declared : config.inputs()) {
      Tensor t = byName.get(declared.name());
      if (t == null) {
        if (declared.optional()) {
          continue;
        }
        throw new HadronException.InvalidArgument("missing input '" + declared.name() + "' for model '" + model + "'");
      }
      if (t.datatype() != declared.datatype()) {
        throw new HadronException.InvalidArgument("input '" + t.name() + "': datatype " + t.datatype()
            + " does not match the model's " + declared.datatype());
      }
      long[] shape = t.shape();
      long[] expected = declared.shapeWithBatch(config.batched());
      if (!Shapes.matches(expected, shape)) {
        throw new HadronException.InvalidArgument("input '" + t.name() + "': shape " + Shapes.format(shape)
            + " does not match the model's " + Shapes.format(expected) + " (-1 = any size)");
      }
      if (config.batched()) {
        if (shape[0] < 1 || shape[0] > config.maxBatchSize()) {
          throw new HadronException.InvalidArgument("input '" + t.name() + "': batch size " + shape[0]
              + " is outside 1.." + config.maxBatchSize() + " (max_batch_size of model '" + model + "')");
        }
        if (batch >= 0 && shape[0] != batch) {
          throw new HadronException.InvalidArgument("input '" + t.name() + "': batch size " + shape[0]
              + " differs from the other inputs' " + batch);
        }
        batch = shape[0];
      }
      ordered.add(t);
    }
    return ordered;
  }

  /** Returns the output names to compute, in the order the response lists them. */
  static List<String> outputs(ModelConfig config, List<RequestedOutput> requested) {
    if (requested.isEmpty()) {
      return config.outputs().stream().map(TensorConfig::name).toList();
    }
    Set<String> seen = new HashSet<>();
    List<String> names = new ArrayList<>(requested.size());
    for (RequestedOutput o : requested) {
      if (!seen.add(o.name())) {
        throw new HadronException.InvalidArgument("duplicate requested output '" + o.name() + "'");
      }
      if (config.output(o.name()).isEmpty()) {
        throw new HadronException.InvalidArgument("unknown output '" + o.name() + "' for model '" + config.name()
            + "'; its outputs are " + config.outputs().stream().map(TensorConfig::name).toList());
      }
      names.add(o.name());
    }
    return names;
  }
}
