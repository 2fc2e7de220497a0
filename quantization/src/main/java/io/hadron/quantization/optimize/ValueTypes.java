package io.hadron.quantization.optimize;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hadron.core.HadronException;
import io.hadron.quantization.accuracy.OrtBridge;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The element type of every tensor value in a model's main graph, as ONNX Runtime infers it.
 *
 * <p>Exporters rarely record the types of intermediate values, and inferring them ourselves would
 * mean restating the type rules of every operator. ONNX Runtime infers them anyway when it loads a
 * model; declaring every node output as a graph output of a copy of the model (without type, which
 * ONNX Runtime fills in) and loading that copy without optimizations makes it tell us. A model ONNX
 * Runtime cannot load is one we would not convert anyway.
 *
 * <p>Stateless and thread-safe.
 */
final class ValueTypes {
  private ValueTypes() {}

  /**
   * ONNX element type numbers by value name: graph inputs, initializers and node outputs. Values
   * that are not tensors (sequences, maps) are absent.
   *
   * @throws HadronException.InvalidArgument if ONNX Runtime cannot load the model
   * @throws HadronException.Unsupported if the model is too large to load from memory
   */
  static Map<String, Integer> infer(ModelProto model) {
    if (OnnxModels.tensorBytes(model) > Integer.MAX_VALUE - 8L) {
      throw new HadronException.Unsupported(
          "model too large (over 2 GiB) to infer its value types from memory");
    }
    Map<String, Integer> types = new HashMap<>();
    GraphProto graph = model.getGraph();
    for (TensorProto t : graph.getInitializerList()) {
      types.put(t.getName(), t.getDataType());
    }
    for (ValueInfoProto v : graph.getInputList()) {
      if (v.getType().hasTensorType()) {
        types.put(v.getName(), v.getType().getTensorType().getElemType());
      }
    }
    GraphProto.Builder g = graph.toBuilder();
    Set<String> declared = new HashSet<>();
    graph.getOutputList().forEach(o -> declared.add(o.getName()));
    for (NodeProto n : graph.getNodeList()) {
      for (String out : n.getOutputList()) {
        if (!out.isEmpty() && declared.add(out)) {
          g.addOutput(ValueInfoProto.newBuilder().setName(out));
        }
      }
    }
    byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
    try (OrtSession session = OrtBridge.open(bytes, "the model (to infer value types)", 1, false)) {
      for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
        if (e.getValue().getInfo() instanceof TensorInfo t) {
          // The Java enum's own numbers are not ONNX's; its names are, after the prefix.
          String name = t.onnxType.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length());
          try {
            types.put(e.getKey(), TensorProto.DataType.valueOf(name).getNumber());
          } catch (IllegalArgumentException unknown) {
            // A type our schema does not name cannot be float32; leaving it out says so.
          }
        }
      }
    } catch (ai.onnxruntime.OrtException e) {
      throw new HadronException.Internal("ONNX Runtime failed to report output types: " + e, e);
    }
    return types;
  }
}
