package io.hadron.backend.pytorch;

import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The positions of a model's inputs and outputs. A TorchScript module's {@code forward} takes
 * positional arguments and returns a tensor or a tuple of tensors, none of them named, so the
 * configuration's names are mapped to positions with Triton's PyTorch-backend convention:
 *
 * <ul>
 *   <li>When every input name ends in {@code __<index>} ({@code INPUT__0}, {@code INPUT__1}) and
 *       the indices are exactly 0..n-1, an input goes to the argument its index names;
 *   <li>otherwise inputs go in the order the configuration lists them.
 *   <li>Outputs likewise: {@code OUTPUT__<index>} picks the element of the returned tuple,
 *       otherwise the configuration's order does.
 * </ul>
 *
 * <p>The same positions apply to blocks built in Java ({@link BlockFactory}): their {@code
 * forward} takes and returns an {@code NDList}.
 *
 * <p>Immutable.
 */
record Signature(List<TensorConfig> inputs, List<TensorConfig> outputs) {
  private static final Pattern INDEXED = Pattern.compile(".*__(\\d{1,9})");

  Signature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * Orders and checks the configuration's tensors.
   *
   * @throws HadronException.InvalidArgument when inputs or outputs are missing or an input is
   *     optional (arguments are positional, so none may be left out)
   * @throws HadronException.Unsupported naming a tensor whose datatype this backend cannot carry
   */
  static Signature of(ModelConfig config) {
    String model = config.name();
    if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
      throw new HadronException.InvalidArgument("model '" + model + "': the pytorch backend cannot "
          + "read inputs and outputs from a TorchScript or DJL model, so config.pbtxt must declare "
          + "them: list every input and output with name, data_type and dims (names INPUT__0, "
          + "OUTPUT__0, ... give positions; otherwise the order in the file does)"
          + (config.inputs().isEmpty() ? "; no input is declared" : "")
          + (config.outputs().isEmpty() ? "; no output is declared" : ""));
    }
    for (TensorConfig t : config.inputs()) {
      check(model, "input", t);
      if (t.optional()) {
        throw new HadronException.InvalidArgument("model '" + model + "': input '" + t.name()
            + "' is optional, but the pytorch backend passes inputs to forward() by position, so "
            + "every input must be given; remove 'optional: true'");
      }
    }
    for (TensorConfig t : config.outputs()) {
      check(model, "output", t);
    }
    return new Signature(ordered(config.inputs()), ordered(config.outputs()));
  }

  /** Position of each output name. */
  Map<String, Integer> outputPositions() {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < outputs.size(); i++) {
      m.put(outputs.get(i).name(), i);
    }
    return m;
  }

  private static void check(String model, String kind, TensorConfig t) {
    if (TensorTypes.toDjl(t.datatype()) == null) {
      throw new HadronException.Unsupported("model '" + model + "': " + kind + " '" + t.name() + "' is "
          + TensorTypes.whyUnsupported(t.datatype()));
    }
  }

  /** The tensors by their {@code __<index>} suffix when all have one and they run 0..n-1. */
  static List<TensorConfig> ordered(List<TensorConfig> declared) {
    int[] index = new int[declared.size()];
    boolean[] seen = new boolean[declared.size()];
    for (int i = 0; i < declared.size(); i++) {
      Matcher m = INDEXED.matcher(declared.get(i).name());
      if (!m.matches()) {
        return declared;
      }
      int at = Integer.parseInt(m.group(1));
      if (at >= declared.size() || seen[at]) {
        return declared;
      }
      seen[at] = true;
      index[i] = at;
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < declared.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> index[i]));
    return order.stream().map(declared::get).toList();
  }

  @Override
  public String toString() {
    return "inputs " + Arrays.toString(inputs.stream().map(TensorConfig::name).toArray())
        + ", outputs " + Arrays.toString(outputs.stream().map(TensorConfig::name).toArray());
  }
}
