package io.hadron.backend.onnxruntime;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.hadron.core.DataType;
import io.hadron.core.Shapes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inputs and outputs of a model as its ONNX file declares them, in the file's order.
 *
 * <p>Immutable (the arrays inside {@link Io} are never handed out for writing).
 */
record ModelSignature(List<Io> inputs, List<Io> outputs) {
  ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * One input or output.
   *
   * @param datatype Hadron's datatype; {@code null} when there is none
   * @param shape the declared shape, {@link Shapes#DYNAMIC} for symbolic or unknown sizes
   * @param dimNames the symbolic name of each dimension, empty where there is none
   * @param unsupported why this backend cannot carry the value, or {@code null} when it can
   */
  record Io(String name, DataType datatype, long[] shape, String[] dimNames, String unsupported) {
    boolean supported() {
      return unsupported == null;
    }

    int rank() {
      return shape.length;
    }

    /** True when the first dimension may take any size, so it can carry a batch. */
    boolean batchable() {
      return supported() && shape.length > 0 && shape[0] == Shapes.DYNAMIC;
    }

    String describe() {
      return datatype == null ? unsupported : datatype.wireName() + " " + Shapes.format(shape);
    }
  }

  /** Reads the signature of an open session. */
  static ModelSignature of(OrtSession session) throws OrtException {
    return new ModelSignature(
        convert(session.getInputInfo(), true), convert(session.getOutputInfo(), false));
  }

  Optional<Io> input(String name) {
    return inputs.stream().filter(io -> io.name().equals(name)).findFirst();
  }

  Optional<Io> output(String name) {
    return outputs.stream().filter(io -> io.name().equals(name)).findFirst();
  }

  List<String> inputNames() {
    return inputs.stream().map(Io::name).toList();
  }

  List<String> outputNames() {
    return outputs.stream().map(Io::name).toList();
  }

  /** True when every input and output can carry a leading batch dimension. */
  boolean batchable() {
    return !inputs.isEmpty()
        && inputs.stream().allMatch(Io::batchable)
        && outputs.stream().allMatch(Io::batchable);
  }

  private static List<Io> convert(Map<String, NodeInfo> infos, boolean input) {
    List<Io> out = new ArrayList<>(infos.size());
    for (NodeInfo node : infos.values()) {
      out.add(io(node.getName(), node.getInfo(), input));
    }
    return out;
  }

  private static Io io(String name, ValueInfo info, boolean input) {
    if (info instanceof TensorInfo t) {
      DataType datatype = OrtTypes.dataType(t.onnxType);
      String unsupported = null;
      if (datatype == null) {
        unsupported = "a tensor of " + OrtTypes.describe(t.onnxType) + ", which Hadron has no datatype for";
      } else if (input && !OrtTypes.feedable(datatype)) {
        unsupported = "a " + datatype.wireName()
            + " input, which the ONNX Runtime Java API cannot create tensors for";
      }
      return new Io(name, datatype, t.getShape(), dimNames(t), unsupported);
    }
    String kind = switch (info) {
      case SequenceInfo s -> "a sequence (" + s + "), not a tensor";
      case MapInfo m -> "a map (" + m + "), not a tensor";
      default -> "a " + info + ", not a tensor";
    };
    return new Io(name, null, new long[0], new String[0], kind);
  }

  private static String[] dimNames(TensorInfo t) {
    String[] names = t.getDimensionNames();
    String[] out = new String[t.getShape().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = names != null && i < names.length && names[i] != null ? names[i] : "";
    }
    return out;
  }
}
