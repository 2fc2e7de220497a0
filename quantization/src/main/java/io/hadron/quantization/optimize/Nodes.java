package io.hadron.quantization.optimize;

import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import java.util.List;
import java.util.Optional;

/**
 * Small helpers to make and read nodes.
 *
 * <p>Stateless and thread-safe.
 */
final class Nodes {
  private Nodes() {}

  /** A node of the default domain. */
  static NodeProto make(
      String opType, String name, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
    return make("", opType, name, inputs, outputs, attrs);
  }

  /** A node of {@code domain}. */
  static NodeProto make(
      String domain,
      String opType,
      String name,
      List<String> inputs,
      List<String> outputs,
      AttributeProto... attrs) {
    NodeProto.Builder b =
        NodeProto.newBuilder()
            .setName(name)
            .setOpType(opType)
            .addAllInput(inputs)
            .addAllOutput(outputs);
    if (!domain.isEmpty()) {
      b.setDomain(domain);
    }
    for (AttributeProto a : attrs) {
      b.addAttribute(a);
    }
    return b.build();
  }

  static Optional<AttributeProto> attribute(NodeProto node, String name) {
    return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
  }

  static long intAttribute(NodeProto node, String name, long fallback) {
    return attribute(node, name).map(AttributeProto::getI).orElse(fallback);
  }

  static float floatAttribute(NodeProto node, String name, float fallback) {
    return attribute(node, name).map(AttributeProto::getF).orElse(fallback);
  }

  /** Input {@code i}, or "" when the node has fewer inputs (ONNX's spelling of "absent"). */
  static String input(NodeProto node, int i) {
    return i < node.getInputCount() ? node.getInput(i) : "";
  }

  /** A readable name for messages: the node's name, or its op type and first output. */
  static String describe(NodeProto node) {
    String name = node.getName().isEmpty() ? "<unnamed>" : node.getName();
    return node.getOpType() + " '" + name + "'";
  }
}
