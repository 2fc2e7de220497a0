package io.hadron.quantization.onnx;

import com.google.protobuf.ByteString;
import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.OperatorSetIdProto;
import io.hadron.quantization.onnx.proto.TensorShapeProto;
import io.hadron.quantization.onnx.proto.TypeProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds small ONNX models by hand: inputs and outputs with core datatypes, nodes, initializers and
 * operator-set imports.
 *
 * <p>Misuse fails at the call that causes it (a duplicate name, a bad dimension) or, for what can
 * only be judged on the whole graph, at {@link #build()}: every node input must be a graph input,
 * an initializer or an earlier node's output, every graph output must be produced, and each node's
 * domain must be imported. That catches the mistakes an engine would otherwise report far less
 * clearly at load time.
 *
 * <p>Not thread-safe: confine an instance to one thread.
 */
public final class GraphBuilder {
  private final String graphName;
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, Long> opsets = new LinkedHashMap<>();
  private final Set<String> valueNames = new HashSet<>();
  private final Set<String> nodeNames = new HashSet<>();
  private long irVersion = -1;
  private String producerName = "hadron";
  private String producerVersion = "";

  private GraphBuilder(String graphName) {
    this.graphName = requireName(graphName, "graph name");
  }

  /** A builder for a graph of this name. */
  public static GraphBuilder named(String graphName) {
    return new GraphBuilder(graphName);
  }

  /** The model's IR version; required. It must be one the target runtime reads with these opsets. */
  public GraphBuilder irVersion(long version) {
    if (version <= 0) {
      throw new IllegalArgumentException("irVersion must be positive, got " + version);
    }
    this.irVersion = version;
    return this;
  }

  /** Imports an operator set; {@code ""} is the default ONNX domain. */
  public GraphBuilder opset(String domain, long version) {
    Objects.requireNonNull(domain, "domain");
    if (version <= 0) {
      throw new IllegalArgumentException(
          "opset version for domain '" + domain + "' must be positive, got " + version);
    }
    Long previous = opsets.putIfAbsent(domain, version);
    if (previous != null) {
      throw new IllegalArgumentException(
          "opset for domain '" + domain + "' already imported at version " + previous);
    }
    return this;
  }

  /** The producer recorded in the model; "hadron" unless set. */
  public GraphBuilder producer(String name, String version) {
    this.producerName = Objects.requireNonNull(name, "name");
    this.producerVersion = Objects.requireNonNull(version, "version");
    return this;
  }

  /**
   * Declares a graph input.
   *
   * @param dims one per axis: a {@code String} is a symbolic dimension (e.g. "batch"), a
   *     non-negative {@code Long} or {@code Integer} a fixed size
   */
  public GraphBuilder input(String name, DataType type, Object... dims) {
    claimValue(name, "input");
    graph.addInput(valueInfo(name, type, dims));
    return this;
  }

  /** Declares a graph output; {@code dims} as for {@link #input}. */
  public GraphBuilder output(String name, DataType type, Object... dims) {
    requireName(name, "output name");
    for (ValueInfoProto existing : graph.getOutputList()) {
      if (existing.getName().equals(name)) {
        throw new IllegalArgumentException("output '" + name + "' declared twice");
      }
    }
    graph.addOutput(valueInfo(name, type, dims));
    return this;
  }

  /** Adds a constant, stored as {@code raw_data} (or {@code string_data} for BYTES). */
  public GraphBuilder initializer(Tensor value) {
    claimValue(value.name(), "initializer");
    graph.addInitializer(OnnxTensors.toProto(value));
    return this;
  }

  /** Adds a node of the default domain, named after its op type and position. */
  public GraphBuilder node(
      String opType, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
    return node("", opType, inputs, outputs, attributes);
  }

  /** Adds a node of the given domain, named after its op type and position. */
  public GraphBuilder node(
      String domain,
      String opType,
      List<String> inputs,
      List<String> outputs,
      AttributeProto... attributes) {
    Objects.requireNonNull(domain, "domain");
    requireName(opType, "op type");
    NodeProto.Builder node =
        NodeProto.newBuilder()
            .setName(opType + "_" + graph.getNodeCount())
            .setOpType(opType)
            .addAllInput(inputs)
            .addAllOutput(outputs);
    if (!domain.isEmpty()) {
      node.setDomain(domain);
    }
    for (AttributeProto a : attributes) {
      node.addAttribute(a);
    }
    return node(node.build());
  }

  /** Adds a fully specified node; its inputs are checked at {@link #build()}. */
  public GraphBuilder node(NodeProto node) {
    if (node.getOutputCount() == 0) {
      throw new IllegalArgumentException(
          "node '" + node.getName() + "' (" + node.getOpType() + ") has no outputs");
    }
    if (node.hasName() && !node.getName().isEmpty() && !nodeNames.add(node.getName())) {
      throw new IllegalArgumentException("node name '" + node.getName() + "' used twice");
    }
    // Claimed as nodes are added, so a value produced twice fails at the call that does it.
    for (String out : node.getOutputList()) {
      if (!out.isEmpty()) {
        claimValue(out, "output of node '" + node.getName() + "'");
      }
    }
    graph.addNode(node);
    return this;
  }

  /**
   * The graph alone, validated. Node domains are checked only when opsets were imported: a
   * subgraph (the body of an If or Loop) has none of its own and uses its model's.
   */
  public GraphProto buildGraph() {
    validate();
    return graph.clone().setName(graphName).build();
  }

  /** The model: graph, IR version, opset imports and producer. */
  public ModelProto build() {
    if (irVersion < 0) {
      throw new IllegalStateException("irVersion not set for graph '" + graphName + "'");
    }
    if (opsets.isEmpty()) {
      throw new IllegalStateException("no opset imported for graph '" + graphName + "'");
    }
    GraphProto g = buildGraph();
    ModelProto.Builder model =
        ModelProto.newBuilder().setIrVersion(irVersion).setProducerName(producerName).setGraph(g);
    if (!producerVersion.isEmpty()) {
      model.setProducerVersion(producerVersion);
    }
    opsets.forEach(
        (domain, version) ->
            model.addOpsetImport(
                OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
    return model.build();
  }

  // Attribute factories: ONNX requires the type discriminator to match the value field in use.

  /** An INT attribute. */
  public static AttributeProto attr(String name, long value) {
    return attribute(name, AttributeProto.AttributeType.INT).setI(value).build();
  }

  /** A FLOAT attribute. */
  public static AttributeProto attr(String name, float value) {
    return attribute(name, AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  /** A STRING attribute, UTF-8 encoded. */
  public static AttributeProto attr(String name, String value) {
    return attribute(name, AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8))
        .build();
  }

  /** A TENSOR attribute (as used by Constant). */
  public static AttributeProto attr(String name, Tensor value) {
    return attribute(name, AttributeProto.AttributeType.TENSOR)
        .setT(OnnxTensors.toProto(value))
        .build();
  }

  /** An INTS attribute. */
  public static AttributeProto attrInts(String name, long... values) {
    AttributeProto.Builder b = attribute(name, AttributeProto.AttributeType.INTS);
    for (long v : values) {
      b.addInts(v);
    }
    return b.build();
  }

  /** A FLOATS attribute. */
  public static AttributeProto attrFloats(String name, float... values) {
    AttributeProto.Builder b = attribute(name, AttributeProto.AttributeType.FLOATS);
    for (float v : values) {
      b.addFloats(v);
    }
    return b.build();
  }

  private static AttributeProto.Builder attribute(String name, AttributeProto.AttributeType type) {
    return AttributeProto.newBuilder().setName(requireName(name, "attribute name")).setType(type);
  }

  private void validate() {
    if (graph.getOutputCount() == 0) {
      throw new IllegalStateException("graph '" + graphName + "' declares no outputs");
    }
    Set<String> available = new HashSet<>();
    graph.getInputList().forEach(v -> available.add(v.getName()));
    graph.getInitializerList().forEach(t -> available.add(t.getName()));
    for (NodeProto node : graph.getNodeList()) {
      if (!opsets.isEmpty() && !opsets.containsKey(node.getDomain())) {
        throw new IllegalStateException(
            "node '" + node.getName() + "' uses domain '" + node.getDomain()
                + "', which is not imported");
      }
      for (String in : node.getInputList()) {
        // An empty name marks an omitted optional input.
        if (!in.isEmpty() && !available.contains(in)) {
          throw new IllegalStateException(
              "node '" + node.getName() + "' reads '" + in
                  + "', which is not a graph input, an initializer or an earlier node's output");
        }
      }
      available.addAll(node.getOutputList());
    }
    for (ValueInfoProto out : graph.getOutputList()) {
      if (!available.contains(out.getName())) {
        throw new IllegalStateException(
            "graph output '" + out.getName() + "' is produced by no node, input or initializer");
      }
    }
  }

  private void claimValue(String name, String what) {
    requireName(name, what + " name");
    if (!valueNames.add(name)) {
      throw new IllegalArgumentException(
          what + " '" + name + "' reuses a name already in the graph");
    }
  }

  private static ValueInfoProto valueInfo(String name, DataType type, Object... dims) {
    Objects.requireNonNull(type, "type");
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      Object d = dims[i];
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String symbol) {
        if (symbol.isBlank()) {
          throw new IllegalArgumentException(
              "'" + name + "' dimension " + i + " is a blank symbol");
        }
        dim.setDimParam(symbol);
      } else if (d instanceof Long || d instanceof Integer) {
        long size = ((Number) d).longValue();
        if (size < 0) {
          throw new IllegalArgumentException(
              "'" + name + "' dimension " + i + " is negative: " + size);
        }
        dim.setDimValue(size);
      } else {
        throw new IllegalArgumentException(
            "'" + name + "' dimension " + i
                + " must be a String (symbolic) or a Long/Integer (fixed), got "
                + (d == null ? "null" : d.getClass().getSimpleName()));
      }
      shape.addDim(dim);
    }
    TypeProto.Tensor tensorType =
        TypeProto.Tensor.newBuilder()
            .setElemType(OnnxDataTypes.toOnnxNumber(type))
            .setShape(shape)
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(tensorType))
        .build();
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return name;
  }
}
