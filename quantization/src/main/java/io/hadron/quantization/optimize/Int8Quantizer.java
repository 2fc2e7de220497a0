package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.OnnxGraph;
import io.hadron.quantization.onnx.OnnxTensors;
import io.hadron.quantization.onnx.Opsets;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Dynamic int8 quantization of the matrix products (MatMul, Gemm) and embedding lookups (Gather)
 * whose weights are constants.
 *
 * <h2>Method</h2>
 *
 * <p>Weights are quantized once, here: symmetric int8, one scale per output column by default (see
 * {@link SymmetricInt8}). Activations are quantized at run time by DynamicQuantizeLinear, which
 * maps each tensor's own [min, max] (widened to include 0) onto uint8 with a scale and a zero
 * point. The product {@code A x W} then becomes
 *
 * <pre>
 *   (Aq - za) x Wq  (an int32 matrix, MatMulInteger)  *  (sa * sw)  (float, per column)
 * </pre>
 *
 * which equals the float product up to the rounding of both operands. Because the activation's
 * range is measured on every call, no calibration data is needed; this is the "dynamic" scheme
 * used for transformer encoders on CPUs, where activation ranges vary too much between inputs for
 * a fixed scale (Jacob et al., "Quantization and Training of Neural Networks for Efficient
 * Integer-Arithmetic-Only Inference", CVPR 2018, for the affine mapping; the ONNX operator
 * definitions of DynamicQuantizeLinear and MatMulInteger for the graph form).
 *
 * <p>Per-column scales cost nothing at run time (the rescale is a per-column multiply either way)
 * and follow the large differences in magnitude between output features of a trained layer, which
 * a single per-tensor scale would flatten onto a few integer levels.
 *
 * <p>Gemm is rewritten into the same form: {@code alpha} folds into the weight scales, a transposed
 * weight is transposed once here, a transposed activation gets a Transpose node, and {@code beta *
 * C} becomes a bias Add (C pre-multiplied when constant).
 *
 * <p>Embedding tables (Gather on a constant 2-D table along axis 0) are most of a small encoder's
 * bytes: all-MiniLM-L6-v2 keeps 47 of its 90 MB in the word table. They are stored as int8 with one
 * scale per row; the lookup gathers int8 rows and their scales and multiplies, so only the rows a
 * request uses are ever dequantized.
 *
 * <p>Weights that several nodes share are quantized once. Float weights nothing reads any more
 * are dropped at the end, together with any node whose outputs nothing reads.
 *
 * <p>Stateless and thread-safe; each call works on its own copy of the graph.
 */
public final class Int8Quantizer {
  private static final long MIN_OPSET = 11; // DynamicQuantizeLinear appeared in opset 11

  private final OnnxGraph graph;
  private final Int8Options options;
  private final int limit;
  private final Map<String, String[]> columnWeights = new HashMap<>();
  private final Map<String, String[]> rowWeights = new HashMap<>();
  private final Map<String, String[]> sharedActivations = new HashMap<>();
  private final Map<String, Integer> done = new HashMap<>();
  private final Map<String, Smoothed> smoothedActivations = new HashMap<>();
  private int notConstant;
  private int skipped;
  private boolean usesMicrosoftDomain;

  private Int8Quantizer(OnnxGraph graph, Int8Options options) {
    this.graph = graph;
    this.options = options;
    this.limit = options.reduceRange() ? 63 : 127;
  }

  /**
   * Quantizes every eligible node of the model's main graph.
   *
   * @throws HadronException.Unsupported if the model's opset predates DynamicQuantizeLinear
   * @throws HadronException.InvalidArgument if a weight is malformed or not finite
   */
  public static Transformed quantize(ModelProto model, Int8Options options) {
    return quantize(model, options, Map.of());
  }

  /**
   * Quantizes every eligible node, smoothing the activations in {@code activationMaxima} (channel
   * maxima observed on sample inputs, keyed by value name) when {@link
   * Int8Options#smoothing()} is on. Values missing from the map are not smoothed.
   *
   * @throws HadronException.Unsupported if the model's opset predates DynamicQuantizeLinear
   * @throws HadronException.InvalidArgument if a weight is malformed or not finite
   */
  public static Transformed quantize(
      ModelProto model, Int8Options options, Map<String, float[]> activationMaxima) {
    long opset = Opsets.defaultVersion(model);
    if (opset < MIN_OPSET) {
      throw new HadronException.Unsupported(
          "int8 quantization needs ai.onnx opset " + MIN_OPSET + " or later (for"
              + " DynamicQuantizeLinear); the model imports opset " + opset);
    }
    Int8Quantizer q = new Int8Quantizer(OnnxGraph.of(model.getGraph()), options);
    if (options.smoothing()) {
      q.smooth(activationMaxima);
    }
    q.run();
    ModelProto out = model.toBuilder().setGraph(q.graph.toProto()).build();
    if (q.usesMicrosoftDomain) {
      out = Opsets.ensure(out, Opsets.MICROSOFT, 1);
    }
    return new Transformed(out, q.summary());
  }

  /**
   * The activations worth smoothing before quantization (see {@link ActivationSmoothing}): the
   * values to observe on sample inputs and pass to {@link #quantize(ModelProto, Int8Options,
   * Map)}. Empty when smoothing is off.
   */
  public static Set<String> smoothingCandidates(ModelProto model, Int8Options options) {
    if (!options.smoothing()) {
      return Set.of();
    }
    Int8Quantizer q = new Int8Quantizer(OnnxGraph.of(model.getGraph()), options);
    return q.smoothingReaders().keySet();
  }

  /** Eligible MatMuls grouped by the activation they read, where smoothing could pay. */
  private Map<String, List<NodeProto>> smoothingReaders() {
    Map<String, List<NodeProto>> readers = new LinkedHashMap<>();
    for (NodeProto n : graph.nodes("MatMul")) {
      if (weightMatrix(n.getInput(1)).isPresent() && !skips(n)) {
        readers.computeIfAbsent(n.getInput(0), k -> new ArrayList<>()).add(n);
      }
    }
    readers.entrySet().removeIf(e -> {
      long columns = 0;
      int channels = -1;
      for (NodeProto n : e.getValue()) {
        TensorProto w = weightMatrix(n.getInput(1)).orElseThrow();
        channels = (int) w.getDims(0);
        columns += w.getDims(1);
      }
      return !ActivationSmoothing.worthSmoothing(
          channels, columns, options.smoothingMinWidening());
    });
    return readers;
  }

  /** Inserts the smoothing Muls; the products pick up their factors when quantized. */
  private void smooth(Map<String, float[]> maxima) {
    for (Map.Entry<String, List<NodeProto>> e : smoothingReaders().entrySet()) {
      String a = e.getKey();
      float[] max = maxima.get(a);
      if (max == null) {
        continue;
      }
      List<float[]> weights = new ArrayList<>();
      List<Integer> columns = new ArrayList<>();
      for (NodeProto n : e.getValue()) {
        TensorProto w = weightMatrix(n.getInput(1)).orElseThrow();
        weights.add(OnnxTensors.floats(w));
        columns.add((int) w.getDims(1));
      }
      if (weights.get(0).length != (long) max.length * columns.get(0)) {
        continue; // the observed channel count does not match the weights: leave it alone
      }
      Optional<float[]> factors =
          ActivationSmoothing.factors(max, weights, columns, options.smoothingAlpha());
      if (factors.isEmpty()) {
        continue;
      }
      float[] inverse = new float[max.length];
      for (int j = 0; j < inverse.length; j++) {
        inverse[j] = 1f / factors.get()[j];
      }
      String inverseName = graph.freshName(a + "_smoothing");
      graph.addInitializer(OnnxTensors.ofFloats(inverseName, new long[] {inverse.length}, inverse));
      String smoothed = graph.freshName(a + "_smoothed");
      graph.addNode(Nodes.make("Mul", graph.freshName(a + "_smooth"), List.of(a, inverseName),
          List.of(smoothed)));
      smoothedActivations.put(a, new Smoothed(smoothed, factors.get()));
    }
  }

  private boolean skips(NodeProto n) {
    return options.skipNodes().contains(n.getName())
        || options.skipOpTypes().contains(n.getOpType());
  }

  private void run() {
    for (NodeProto n : graph.nodes()) {
      if (!OnnxGraph.isDefaultDomain(n) || !Int8Options.OP_TYPES.contains(n.getOpType())) {
        continue;
      }
      boolean gather = n.getOpType().equals("Gather");
      if (gather ? !isTableLookup(n) : weightMatrix(n.getInput(1)).isEmpty()) {
        if (!gather) {
          notConstant++; // Gathers on shapes and other non-tables are not worth a note
        }
        continue;
      }
      if (skips(n) || (gather && !options.quantizeEmbeddings())) {
        skipped++;
        continue;
      }
      switch (n.getOpType()) {
        case "MatMul" -> matMul(n);
        case "Gemm" -> gemm(n);
        default -> gather(n);
      }
      done.merge(n.getOpType(), 1, Integer::sum);
    }
    graph.removeUnused();
  }

  private String summary() {
    String kinds =
        String.format(
            Locale.ROOT,
            "%d MatMul, %d Gemm, %d Gather",
            done.getOrDefault("MatMul", 0),
            done.getOrDefault("Gemm", 0),
            done.getOrDefault("Gather", 0));
    return "int8: quantized " + kinds + ", smoothed " + smoothedActivations.size()
        + " activations (" + (options.perChannel() ? "per-channel" : "per-tensor")
        + (options.reduceRange() ? ", reduced range" : "") + ", " + options.kernel() + "); "
        + notConstant + " products without constant weights and " + skipped
        + " skipped nodes left in float";
  }

  // ---- MatMul and Gemm -------------------------------------------------------------------------

  /** A smoothed activation: the Mul's output and the factors to multiply weight rows by. */
  private record Smoothed(String value, float[] factors) {}

  private void matMul(NodeProto n) {
    TensorProto b = weightMatrix(n.getInput(1)).orElseThrow();
    int k = (int) b.getDims(0);
    int cols = (int) b.getDims(1);
    Smoothed smoothed = smoothedActivations.get(n.getInput(0));
    String key = n.getInput(1) + (smoothed == null ? "" : " smoothed for " + n.getInput(0));
    float[] rowScale = smoothed == null ? null : smoothed.factors();
    String a = smoothed == null ? n.getInput(0) : smoothed.value();
    String[] weight = columnWeight(key, b, k, cols, false, 1f, rowScale);
    List<NodeProto> replaced = new ArrayList<>(List.of(n));
    String out = n.getOutput(0);
    Optional<BiasAdd> bias = biasAfter(out, cols);
    List<NodeProto> nodes = new ArrayList<>();
    String biasName = "";
    if (bias.isPresent() && options.kernel() != Int8Kernel.ONNX_OPS) {
      // The contrib kernels add the bias themselves: the Add goes away.
      replaced.add(bias.get().add());
      biasName = bias.get().vector();
      out = bias.get().add().getOutput(0);
    } else if (bias.isPresent()) {
      // ONNX Runtime fuses a bias Add only when the constant is its second input; Add commutes.
      NodeProto add = bias.get().add();
      replaced.add(add);
      nodes.add(
          add.toBuilder().clearInput().addInput(n.getOutput(0)).addInput(bias.get().original())
              .build());
    }
    nodes.addAll(0, product(n, a, weight, biasName, out));
    graph.replace(replaced, nodes);
  }

  private void gemm(NodeProto n) {
    TensorProto b = weightMatrix(n.getInput(1)).orElseThrow();
    boolean transB = Nodes.intAttribute(n, "transB", 0) != 0;
    boolean transA = Nodes.intAttribute(n, "transA", 0) != 0;
    float alpha = Nodes.floatAttribute(n, "alpha", 1f);
    float beta = Nodes.floatAttribute(n, "beta", 1f);
    int rows = (int) b.getDims(0);
    int cols = (int) b.getDims(1);
    if (transB) {
      int t = rows;
      rows = cols;
      cols = t;
    }
    String key = n.getInput(1) + (transB ? "^T" : "") + (alpha != 1f ? "*" + alpha : "");
    String[] weight = columnWeight(key, b, rows, cols, transB, alpha, null);
    String base = base(n);
    List<NodeProto> nodes = new ArrayList<>();
    String a = n.getInput(0);
    if (transA) {
      String t = graph.freshName(a + "_transposed");
      nodes.add(
          Nodes.make("Transpose", graph.freshName(base + "_transpose_a"), List.of(a), List.of(t),
              GraphBuilder.attrInts("perm", 1, 0)));
      a = t;
    }
    String c = Nodes.input(n, 2);
    String out = n.getOutput(0);
    if (c.isEmpty() || beta == 0f) {
      nodes.addAll(product(n, a, weight, "", out));
      graph.replace(List.of(n), nodes);
      return;
    }
    String bias = gemmBias(base, c, beta, nodes);
    int width = cols;
    boolean vector = graph.initializer(bias).map(t -> isBiasVector(t, width)).orElse(false);
    if (vector && options.kernel() != Int8Kernel.ONNX_OPS) {
      nodes.addAll(product(n, a, weight, vectorOf(bias), out));
    } else {
      String y = graph.freshName(out + "_no_bias");
      nodes.addAll(product(n, a, weight, "", y));
      nodes.add(Nodes.make("Add", graph.freshName(base + "_bias"), List.of(y, bias), List.of(out)));
    }
    graph.replace(List.of(n), nodes);
  }

  /** {@code beta * C} as a value: a new initializer when C is constant, else a Mul node. */
  private String gemmBias(String base, String c, float beta, List<NodeProto> nodes) {
    Optional<TensorProto> constant = graph.constant(c);
    if (constant.isPresent() && constant.get().getDataType() == TensorProto.DataType.FLOAT_VALUE) {
      float[] v = OnnxTensors.floats(constant.get());
      for (int i = 0; i < v.length; i++) {
        v[i] *= beta;
      }
      String name = graph.freshName(c + "_beta");
      graph.addInitializer(OnnxTensors.ofFloats(name, OnnxTensors.dims(constant.get()), v));
      return name;
    }
    if (beta == 1f) {
      return c;
    }
    String betaName = graph.freshName(base + "_beta");
    graph.addInitializer(OnnxTensors.scalar(betaName, TensorProto.DataType.FLOAT, beta));
    String scaled = graph.freshName(c + "_times_beta");
    nodes.add(
        Nodes.make("Mul", graph.freshName(base + "_scale_c"), List.of(c, betaName),
            List.of(scaled)));
    return scaled;
  }

  /**
   * The nodes computing {@code out = a x W (+ bias)} in the configured kernel's form; {@code
   * weight} is {int8 weight, scales}, {@code bias} a 1-D constant or "".
   */
  private List<NodeProto> product(
      NodeProto original, String a, String[] weight, String bias, String out) {
    String base = base(original);
    return switch (options.kernel()) {
      case ORT_DYNAMIC_QUANTIZE_MATMUL -> {
        usesMicrosoftDomain = true;
        List<String> in = new ArrayList<>(List.of(a, weight[0], weight[1]));
        if (!bias.isEmpty()) {
          in.add("");
          in.add(bias);
        }
        yield List.of(
            Nodes.make(Opsets.MICROSOFT, "DynamicQuantizeMatMul", graph.freshName(base + "_int8"),
                in, List.of(out)));
      }
      case ORT_MATMUL_INTEGER_TO_FLOAT -> {
        usesMicrosoftDomain = true;
        List<NodeProto> nodes = new ArrayList<>();
        String[] q = sharedActivations.get(a);
        if (q == null) {
          q = quantizedActivation(a, base);
          nodes.add(dynamicQuantize(a, q, base));
          sharedActivations.put(a, q);
        }
        List<String> in = new ArrayList<>(List.of(q[0], weight[0], q[1], weight[1], q[2]));
        if (!bias.isEmpty()) {
          in.add("");
          in.add(bias);
        }
        nodes.add(
            Nodes.make(Opsets.MICROSOFT, "MatMulIntegerToFloat", graph.freshName(base + "_int8"),
                in, List.of(out)));
        yield nodes;
      }
      case ONNX_OPS -> {
        String[] q = quantizedActivation(a, base);
        String acc = graph.freshName(out + "_int32");
        String accFloat = graph.freshName(out + "_int32_float");
        String scale = graph.freshName(out + "_scale");
        // Node order and input order match what ONNX Runtime's MatMulIntegerToFloat and
        // DynamicQuantizeMatMul fusions look for: Mul(a_scale, w_scale) feeding
        // Mul(Cast(MatMulInteger), .), with the DynamicQuantizeLinear read by this product only.
        yield List.of(
            dynamicQuantize(a, q, base),
            Nodes.make("MatMulInteger", graph.freshName(base + "_matmul_integer"),
                List.of(q[0], weight[0], q[2]), List.of(acc)),
            Nodes.make("Cast", graph.freshName(base + "_to_float"), List.of(acc),
                List.of(accFloat),
                GraphBuilder.attr("to", (long) TensorProto.DataType.FLOAT_VALUE)),
            Nodes.make("Mul", graph.freshName(base + "_scales"), List.of(q[1], weight[1]),
                List.of(scale)),
            Nodes.make("Mul", graph.freshName(base + "_rescale"), List.of(accFloat, scale),
                List.of(out)));
      }
    };
  }

  private String[] quantizedActivation(String a, String base) {
    return new String[] {
      graph.freshName(a + "_quantized"), graph.freshName(a + "_scale"),
      graph.freshName(a + "_zero_point")
    };
  }

  private NodeProto dynamicQuantize(String a, String[] q, String base) {
    return Nodes.make("DynamicQuantizeLinear", graph.freshName(base + "_quantize_input"),
        List.of(a), List.of(q));
  }

  /**
   * {int8 weight name, scale name} for the K x N weight {@code b} (stored N x K when {@code
   * transposed}), its rows multiplied by {@code rowScale} if given, made once per {@code key}.
   */
  private String[] columnWeight(
      String key,
      TensorProto b,
      int k,
      int cols,
      boolean transposed,
      float alpha,
      float[] rowScale) {
    String name = b.getName();
    return columnWeights.computeIfAbsent(
        key,
        unused -> {
          float[] w = OnnxTensors.floats(b);
          if (transposed) {
            w = transpose(w, cols, k);
          }
          if (rowScale != null) {
            for (int r = 0; r < k; r++) {
              for (int c = 0; c < cols; c++) {
                w[r * cols + c] *= rowScale[r];
              }
            }
          }
          SymmetricInt8.Granularity g =
              options.perChannel()
                  ? SymmetricInt8.Granularity.PER_COLUMN
                  : SymmetricInt8.Granularity.PER_TENSOR;
          SymmetricInt8.Quantized q = SymmetricInt8.quantize("weight '" + name + "'", w, k, cols, g,
              limit);
          float[] scales = q.scales().clone();
          for (int i = 0; i < scales.length; i++) {
            scales[i] *= alpha;
          }
          String qName = graph.freshName(name + "_int8");
          String sName = graph.freshName(name + "_scale");
          graph.addInitializer(
              OnnxTensors.ofBytes(qName, TensorProto.DataType.INT8, new long[] {k, cols},
                  q.values()));
          long[] scaleDims = options.perChannel() ? new long[] {cols} : new long[0];
          graph.addInitializer(OnnxTensors.ofFloats(sName, scaleDims, scales));
          return new String[] {qName, sName};
        });
  }

  /** The constant, non-empty FLOAT matrix behind {@code value}, if it is one. */
  private Optional<TensorProto> weightMatrix(String value) {
    return graph
        .constant(value)
        .filter(
            t ->
                t.getDataType() == TensorProto.DataType.FLOAT_VALUE
                    && t.getDimsCount() == 2
                    && t.getDims(0) > 0
                    && t.getDims(1) > 0);
  }

  /** True for a Gather along axis 0 of a constant FLOAT matrix: an embedding lookup. */
  private boolean isTableLookup(NodeProto n) {
    long axis = Nodes.intAttribute(n, "axis", 0);
    return (axis == 0 || axis == -2) && weightMatrix(n.getInput(0)).isPresent();
  }

  /** A bias Add right after a product: its node, the bias as read, and the bias as a 1-D value. */
  private record BiasAdd(NodeProto add, String original, String vector) {}

  private Optional<BiasAdd> biasAfter(String out, int cols) {
    List<NodeProto> readers = graph.consumers(out);
    if (readers.size() != 1 || graph.isGraphOutput(out)) {
      return Optional.empty();
    }
    NodeProto add = readers.get(0);
    if (!OnnxGraph.isDefaultDomain(add) || !add.getOpType().equals("Add")
        || add.getInputCount() != 2 || add.getInput(0).equals(add.getInput(1))) {
      return Optional.empty();
    }
    String other = add.getInput(0).equals(out) ? add.getInput(1) : add.getInput(0);
    Optional<TensorProto> bias = graph.initializer(other).filter(t -> isBiasVector(t, cols));
    if (bias.isEmpty() || graph.isGraphInput(other)) {
      return Optional.empty();
    }
    return Optional.of(new BiasAdd(add, other, vectorOf(other)));
  }

  /** True for a FLOAT tensor of shape [cols] or [1, ..., 1, cols]; ONNX Runtime's bias rule. */
  private static boolean isBiasVector(TensorProto t, int cols) {
    if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE || t.getDimsCount() == 0
        || cols <= 1 || t.getDims(t.getDimsCount() - 1) != cols) {
      return false;
    }
    for (int i = 0; i < t.getDimsCount() - 1; i++) {
      if (t.getDims(i) != 1) {
        return false;
      }
    }
    return true;
  }

  /** A 1-D view of a bias initializer: itself if already 1-D, else a reshaped copy. */
  private String vectorOf(String bias) {
    TensorProto t = graph.initializer(bias).orElseThrow();
    if (t.getDimsCount() == 1) {
      return bias;
    }
    String name = graph.freshName(bias + "_1d");
    graph.addInitializer(
        t.toBuilder().setName(name).clearDims().addDims(t.getDims(t.getDimsCount() - 1)).build());
    return name;
  }

  // ---- Gather (embedding tables) ---------------------------------------------------------------

  private void gather(NodeProto n) {
    TensorProto data = weightMatrix(n.getInput(0)).orElseThrow();
    int rows = (int) data.getDims(0);
    int cols = (int) data.getDims(1);
    String[] weight =
        rowWeights.computeIfAbsent(
            n.getInput(0),
            unused -> {
              SymmetricInt8.Granularity g =
                  options.perChannel()
                      ? SymmetricInt8.Granularity.PER_ROW
                      : SymmetricInt8.Granularity.PER_TENSOR;
              SymmetricInt8.Quantized q = SymmetricInt8.quantize(
                  "embedding table '" + data.getName() + "'", OnnxTensors.floats(data), rows, cols,
                  g, limit);
              String qName = graph.freshName(data.getName() + "_int8");
              String sName = graph.freshName(data.getName() + "_scale");
              graph.addInitializer(OnnxTensors.ofBytes(qName, TensorProto.DataType.INT8,
                  new long[] {rows, cols}, q.values()));
              // [rows, 1], so the gathered scales broadcast over each looked-up row.
              long[] scaleDims = options.perChannel() ? new long[] {rows, 1} : new long[0];
              graph.addInitializer(OnnxTensors.ofFloats(sName, scaleDims, q.scales()));
              return new String[] {qName, sName};
            });
    String base = base(n);
    String ids = n.getInput(1);
    String out = n.getOutput(0);
    String rowsQ = graph.freshName(out + "_int8");
    String rowsF = graph.freshName(out + "_int8_float");
    List<NodeProto> nodes = new ArrayList<>();
    nodes.add(Nodes.make("Gather", graph.freshName(base + "_int8"), List.of(weight[0], ids),
        List.of(rowsQ), GraphBuilder.attr("axis", 0L)));
    nodes.add(Nodes.make("Cast", graph.freshName(base + "_to_float"), List.of(rowsQ),
        List.of(rowsF), GraphBuilder.attr("to", (long) TensorProto.DataType.FLOAT_VALUE)));
    String scale = weight[1];
    if (options.perChannel()) {
      scale = graph.freshName(out + "_row_scales");
      nodes.add(Nodes.make("Gather", graph.freshName(base + "_scales"), List.of(weight[1], ids),
          List.of(scale), GraphBuilder.attr("axis", 0L)));
    }
    nodes.add(Nodes.make("Mul", graph.freshName(base + "_rescale"), List.of(rowsF, scale),
        List.of(out)));
    graph.replace(List.of(n), nodes);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String base(NodeProto n) {
    return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
  }

  private static float[] transpose(float[] w, int rows, int cols) {
    float[] t = new float[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = w[r * cols + c];
      }
    }
    return t;
  }
}
