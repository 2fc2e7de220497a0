package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxGraph;
import io.hadron.quantization.onnx.OnnxTensors;
import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.onnx.proto.TypeProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Converts a model's float32 weights and computation to float16.
 *
 * <h2>Method</h2>
 *
 * <p>Every float32 value of the main graph is classified by where it comes from (element types
 * from {@link ValueTypes}):
 *
 * <ul>
 *   <li>A node computes in float16 unless its op type or name is blocked, it is outside the
 *       default domain, or its float output is not typed by its inputs (a node with no float input
 *       other than Cast, Constant, ConstantOfShape and EyeLike, whose attributes say the type and
 *       are rewritten). Its float outputs become float16.
 *   <li>Float initializers read by float16 nodes are stored as float16. One also read by a blocked
 *       node keeps its float32 copy for that node.
 *   <li>Where a float16 node reads a float32 value (a graph input, a blocked node's output) a Cast
 *       to float16 is inserted once per value; where a blocked node reads a float16 value, a Cast
 *       back to float32.
 *   <li>With {@code keepIoTypes}, graph inputs and outputs stay float32 and the Casts sit at the
 *       boundary; otherwise they are declared float16.
 * </ul>
 *
 * <p>Values are clamped into float16's range as they are converted: finite magnitudes above 65504
 * become 65504 (models use {@code -3.4e38} as "minus infinity" in attention masks, which would
 * otherwise overflow to -inf and turn {@code 0 * -inf} into NaN), and non-zero magnitudes below the
 * smallest subnormal (2^-24) become that subnormal instead of zero (layer-norm epsilons of 1e-12 and
 * the like; a zero there divides by zero). Infinities and NaNs are kept.
 *
 * <p>Control flow (nodes with subgraphs) is not converted: the model is refused with a message
 * naming the node.
 *
 * <p>Stateless and thread-safe; each call works on its own copy of the graph.
 */
public final class Fp16Converter {
  private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
  private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;
  private static final float MAX_HALF = 65504f;
  private static final float MIN_HALF_SUBNORMAL = 0x1p-24f;
  private static final Set<String> TYPED_BY_ATTRIBUTE =
      Set.of("Cast", "Constant", "ConstantOfShape", "EyeLike");

  private final OnnxGraph graph;
  private final Fp16Options options;
  private final Map<String, Integer> types;
  private final Map<String, String> halfCasts = new HashMap<>();
  private final Map<String, String> floatCasts = new HashMap<>();
  private final Set<String> halfValues = new HashSet<>();
  // Nodes are immutable and replaced on every rewrite, so they are remembered by first output.
  private final Set<String> halfNodes = new HashSet<>();
  private int clamped;
  private int converted;
  private int blocked;

  private Fp16Converter(OnnxGraph graph, Fp16Options options, Map<String, Integer> types) {
    this.graph = graph;
    this.options = options;
    this.types = types;
  }

  /**
   * Converts the model.
   *
   * @throws HadronException.Unsupported if the model has control flow or is too large to analyse
   * @throws HadronException.InvalidArgument if ONNX Runtime cannot load the model
   */
  public static Transformed convert(ModelProto model, Fp16Options options) {
    for (NodeProto n : model.getGraph().getNodeList()) {
      if (OnnxGraph.hasSubgraph(n)) {
        throw new HadronException.Unsupported(
            "fp16 conversion does not handle control flow: " + Nodes.describe(n) + " has a"
                + " subgraph");
      }
    }
    Fp16Converter c =
        new Fp16Converter(OnnxGraph.of(model.getGraph()), options, ValueTypes.infer(model));
    c.run();
    ModelProto out = model.toBuilder().setGraph(c.graph.toProto()).build();
    String summary =
        String.format(
            Locale.ROOT,
            "fp16: %d nodes in float16, %d kept in float32, %d values clamped to the float16 range,"
                + " float32 interface %s",
            c.converted,
            c.blocked,
            c.clamped,
            options.keepIoTypes() ? "kept" : "dropped");
    return new Transformed(out, summary);
  }

  private void run() {
    Set<String> graphOutputs = new HashSet<>();
    graph.outputs().forEach(o -> graphOutputs.add(o.getName()));
    // Pass 1: decide per node; rewrite the attributes of those that go to float16.
    for (NodeProto n : graph.nodes()) {
      if (computesInHalf(n)) {
        NodeProto rewritten = rewriteAttributes(n);
        if (rewritten != n) {
          graph.replaceNode(n, List.of(rewritten));
        }
        n.getOutputList().stream().filter(this::isFloat).forEach(halfValues::add);
        halfNodes.add(key(n));
        converted++;
      } else {
        blocked++;
      }
    }
    // Pass 2: initializers read by float16 nodes become float16 copies.
    for (TensorProto t : graph.initializers()) {
      if (t.getDataType() != FLOAT || OnnxTensors.isExternal(t)) {
        continue;
      }
      if (graph.consumers(t.getName()).stream().noneMatch(this::isHalf)) {
        continue;
      }
      String name = graph.freshName(t.getName() + "_fp16");
      graph.addInitializer(toHalf(t, name));
      graph.rewire(t.getName(), name, this::isHalf);
      halfValues.add(name);
    }
    // Pass 3: Casts where float16 nodes read float32 values and the other way round.
    for (NodeProto n : graph.nodes()) {
      boolean half = isHalf(n);
      for (String in : Set.copyOf(n.getInputList())) {
        if (in.isEmpty() || !isFloat(in)) {
          continue;
        }
        boolean halfValue = halfValues.contains(in);
        if (half && !halfValue) {
          String cast = halfCast(in);
          graph.rewire(in, cast, r -> isHalf(r) && !r.getOutputList().contains(cast));
        } else if (!half && halfValue) {
          // The Cast itself is a float32 node reading the value: it must keep reading it.
          String cast = floatCast(in);
          graph.rewire(in, cast, r -> !isHalf(r) && !r.getOutputList().contains(cast));
        }
      }
    }
    // Pass 4: the interface.
    for (ValueInfoProto in : graph.inputs()) {
      if (isFloat(in.getName()) && !options.keepIoTypes() && halfCasts.containsKey(in.getName())) {
        // Declared float16: the Cast inserted for it is now a no-op; feed its readers directly.
        String cast = halfCasts.get(in.getName());
        graph.rewire(cast, in.getName(), r -> true);
        graph.setInput(withElemType(in, FLOAT16));
      }
    }
    for (ValueInfoProto out : graph.outputs()) {
      String name = out.getName();
      if (!halfValues.contains(name)) {
        continue;
      }
      if (options.keepIoTypes()) {
        // The producer now writes a float16 twin; a Cast makes the float32 output from it.
        NodeProto producer = graph.producer(name).orElseThrow();
        String half = graph.freshName(name + "_fp16");
        NodeProto renamed =
            producer.toBuilder()
                .setOutput(producer.getOutputList().indexOf(name), half)
                .build();
        NodeProto cast =
            Nodes.make("Cast", graph.freshName(name + "_to_float32"), List.of(half),
                List.of(name), GraphBuilder.attr("to", (long) FLOAT));
        graph.replace(List.of(producer), List.of(renamed, cast));
        halfNodes.remove(key(producer));
        halfNodes.add(key(renamed));
        halfValues.add(half);
        graph.rewire(name, half, this::isHalf);
      } else {
        graph.setOutput(withElemType(out, FLOAT16));
      }
    }
    halfValues.forEach(graph::removeValueInfo);
    graph.removeUnused();
  }

  private boolean isHalf(NodeProto n) {
    return halfNodes.contains(key(n));
  }

  private static String key(NodeProto n) {
    return n.getOutput(0) + "\u0000" + n.getOutputCount();
  }

  private boolean computesInHalf(NodeProto n) {
    if (!OnnxGraph.isDefaultDomain(n)
        || options.blockOps().contains(n.getOpType())
        || options.blockNodes().contains(n.getName())) {
      return false;
    }
    boolean floatOut = n.getOutputList().stream().anyMatch(this::isFloat);
    boolean floatIn = n.getInputList().stream().anyMatch(this::isFloat);
    if (floatOut && !floatIn && !TYPED_BY_ATTRIBUTE.contains(n.getOpType())) {
      return false; // its output type is fixed by the op, not by its inputs
    }
    return floatOut || floatIn;
  }

  /** The node with float32 type attributes and constant values switched to float16. */
  private NodeProto rewriteAttributes(NodeProto n) {
    boolean changed = false;
    NodeProto.Builder b = n.toBuilder().clearAttribute();
    for (AttributeProto a : n.getAttributeList()) {
      AttributeProto next = a;
      switch (n.getOpType() + "." + a.getName()) {
        case "Cast.to", "EyeLike.dtype" -> {
          if (a.getI() == FLOAT) {
            next = a.toBuilder().setI(FLOAT16).build();
          }
        }
        case "Constant.value", "ConstantOfShape.value" -> {
          if (a.getT().getDataType() == FLOAT) {
            next = a.toBuilder().setT(toHalf(a.getT(), a.getT().getName())).build();
          }
        }
        case "Constant.value_float" -> {
          next = valueAttribute(new float[] {a.getF()}, new long[0]);
        }
        case "Constant.value_floats" -> {
          float[] v = new float[a.getFloatsCount()];
          for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
          }
          next = valueAttribute(v, new long[] {v.length});
        }
        default -> {
          // Other attributes do not carry the element type.
        }
      }
      changed |= next != a;
      b.addAttribute(next);
    }
    if (n.getOpType().equals("ConstantOfShape")
        && n.getAttributeList().stream().noneMatch(a -> a.getName().equals("value"))) {
      // Without a value ConstantOfShape makes float32 zeros; say float16 zeros instead.
      b.addAttribute(
          AttributeProto.newBuilder()
              .setName("value")
              .setType(AttributeProto.AttributeType.TENSOR)
              .setT(OnnxTensors.ofFloat16("", new long[] {1}, new short[] {0})));
      changed = true;
    }
    return changed ? b.build() : n;
  }

  /** A Constant's "value" attribute holding {@code v} as float16. */
  private AttributeProto valueAttribute(float[] v, long[] dims) {
    return AttributeProto.newBuilder()
        .setName("value")
        .setType(AttributeProto.AttributeType.TENSOR)
        .setT(toHalf(OnnxTensors.ofFloats("", dims, v), ""))
        .build();
  }

  private String halfCast(String value) {
    return halfCasts.computeIfAbsent(
        value,
        v -> {
          String out = graph.freshName(v + "_fp16");
          graph.addNode(Nodes.make("Cast", graph.freshName(v + "_to_fp16"), List.of(v),
              List.of(out), GraphBuilder.attr("to", (long) FLOAT16)));
          halfValues.add(out);
          return out;
        });
  }

  private String floatCast(String value) {
    return floatCasts.computeIfAbsent(
        value,
        v -> {
          String out = graph.freshName(v + "_fp32");
          graph.addNode(Nodes.make("Cast", graph.freshName(v + "_to_fp32"), List.of(v),
              List.of(out), GraphBuilder.attr("to", (long) FLOAT)));
          return out;
        });
  }

  private boolean isFloat(String value) {
    return !value.isEmpty() && types.getOrDefault(value, 0) == FLOAT;
  }

  private TensorProto toHalf(TensorProto t, String name) {
    float[] v = OnnxTensors.floats(t);
    short[] h = new short[v.length];
    for (int i = 0; i < v.length; i++) {
      h[i] = Float.floatToFloat16(clamp(v[i]));
    }
    return OnnxTensors.ofFloat16(name, OnnxTensors.dims(t), h);
  }

  /** The value moved into float16's finite range (see the class comment); counts changes. */
  private float clamp(float x) {
    float a = Math.abs(x);
    if (Float.isNaN(x) || Float.isInfinite(x) || a == 0f) {
      return x;
    }
    if (a > MAX_HALF) {
      clamped++;
      return Math.copySign(MAX_HALF, x);
    }
    if (a < MIN_HALF_SUBNORMAL) {
      clamped++;
      return Math.copySign(MIN_HALF_SUBNORMAL, x);
    }
    return x;
  }

  private static ValueInfoProto withElemType(ValueInfoProto v, int elemType) {
    TypeProto.Tensor t = v.getType().getTensorType().toBuilder().setElemType(elemType).build();
    return v.toBuilder().setType(v.getType().toBuilder().setTensorType(t)).build();
  }
}
