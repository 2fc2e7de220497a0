package io.hadron.quantization.optimize;

import io.hadron.quantization.onnx.OnnxGraph;
import io.hadron.quantization.onnx.OnnxTensors;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Magnitude pruning of the constant weights of MatMul, Gemm and Conv nodes.
 *
 * <h2>Method</h2>
 *
 * <p>Magnitude pruning sets the weights of smallest absolute value to zero, on the observation that
 * they contribute least to the outputs (Han et al., "Learning both Weights and Connections for
 * Efficient Neural Networks", NeurIPS 2015). Two patterns:
 *
 * <ul>
 *   <li><b>Unstructured</b>: in each weight tensor separately, the {@code sparsity} fraction of
 *       elements with the smallest magnitudes (layer-wise, so that no layer is emptied because its
 *       weights happen to be smaller than another's). Ties at the threshold are broken by position,
 *       so each tensor gets exactly {@code round(sparsity * size)} zeros. Sparse weights compress
 *       well (the file's zeros gzip away) and feed sparse kernels; dense kernels run no faster.
 *   <li><b>2:4 semi-structured</b>: of every four consecutive weights along the reduction
 *       dimension, the two of largest magnitude stay (Mishra et al., "Accelerating Sparse Deep
 *       Neural Networks", 2021: the pattern NVIDIA's sparse tensor cores execute at twice the dense
 *       rate). For MatMul {@code [K, N]} weights the groups run down each column (along K); for a
 *       Gemm with {@code transB} along each row; for Conv {@code [M, C, kH, kW]} along the input
 *       channels C at each kernel position, the order in which channels-last kernels read them. A
 *       trailing group of fewer than four keeps at most two.
 * </ul>
 *
 * <p>Without fine-tuning afterwards, accuracy falls with sparsity; pair this transform with the
 * accuracy report, and with int8 quantization after it (symmetric quantization keeps the zeros).
 *
 * <p>A weight is pruned only when every node that reads it is a prunable node reading it as its
 * weight, so a table shared with, say, an embedding lookup is left alone.
 *
 * <p>Stateless and thread-safe; each call works on its own copy of the graph.
 */
public final class MagnitudePruner {
  /** The layout of a weight: how to walk its reduction groups. */
  enum Layout {
    /** [K, N]: reduction down the columns. */
    ROWS_REDUCE,
    /** [N, K]: reduction along each row. */
    COLUMNS_REDUCE,
    /** [M, C, k...]: reduction along C at each kernel position. */
    CONV
  }

  private MagnitudePruner() {}

  /** Prunes the model's eligible weights. */
  public static Transformed prune(ModelProto model, PruneOptions options) {
    OnnxGraph graph = OnnxGraph.of(model.getGraph());
    Map<String, Layout> weights = new LinkedHashMap<>();
    for (NodeProto n : graph.nodes()) {
      Layout layout = layoutOf(graph, n, options);
      if (layout != null) {
        weights.putIfAbsent(n.getInput(1), layout);
      }
    }
    long elements = 0;
    long zeros = 0;
    int pruned = 0;
    int shared = 0;
    for (Map.Entry<String, Layout> e : weights.entrySet()) {
      String name = e.getKey();
      boolean onlyWeights =
          graph.consumers(name).stream()
              .allMatch(c -> layoutOf(graph, c, options) != null && c.getInput(1).equals(name)
                  && !c.getInput(0).equals(name));
      if (!onlyWeights || graph.isGraphOutput(name)) {
        shared++;
        continue;
      }
      TensorProto t = graph.initializer(name).orElseThrow();
      float[] w = OnnxTensors.floats(t);
      long[] dims = OnnxTensors.dims(t);
      if (options.twoOfFour()) {
        twoOfFour(w, dims, e.getValue());
      } else {
        unstructured(w, options.sparsity());
      }
      graph.setInitializer(OnnxTensors.ofFloats(name, dims, w));
      pruned++;
      elements += w.length;
      for (float v : w) {
        if (v == 0f) {
          zeros++;
        }
      }
    }
    ModelProto out = model.toBuilder().setGraph(graph.toProto()).build();
    String summary =
        String.format(
            Locale.ROOT,
            "prune (%s): %d weights, %d elements, %.1f%% zeros; %d shared weights left dense",
            options.twoOfFour() ? "2:4" : "unstructured " + options.sparsity(),
            pruned,
            elements,
            elements == 0 ? 0.0 : 100.0 * zeros / elements,
            shared);
    return new Transformed(out, summary);
  }

  /** The weight layout if {@code n} is a prunable node with a constant FLOAT weight, else null. */
  private static Layout layoutOf(OnnxGraph graph, NodeProto n, PruneOptions options) {
    if (!OnnxGraph.isDefaultDomain(n)
        || !options.opTypes().contains(n.getOpType())
        || options.skipNodes().contains(n.getName())
        || n.getInputCount() < 2) {
      return null;
    }
    TensorProto w = graph.initializer(n.getInput(1)).orElse(null);
    if (w == null
        || graph.isGraphInput(n.getInput(1))
        || w.getDataType() != TensorProto.DataType.FLOAT_VALUE
        || OnnxTensors.isExternal(w)) {
      return null;
    }
    return switch (n.getOpType()) {
      case "MatMul" -> w.getDimsCount() == 2 ? Layout.ROWS_REDUCE : null;
      case "Gemm" ->
          w.getDimsCount() != 2
              ? null
              : Nodes.intAttribute(n, "transB", 0) != 0 ? Layout.COLUMNS_REDUCE : Layout.ROWS_REDUCE;
      default -> w.getDimsCount() >= 3 ? Layout.CONV : null;
    };
  }

  /** Zeros the {@code round(sparsity * n)} smallest magnitudes, ties broken by position. */
  static void unstructured(float[] w, double sparsity) {
    int k = (int) Math.round(sparsity * w.length);
    if (k == 0) {
      return;
    }
    float[] magnitudes = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      magnitudes[i] = Math.abs(w[i]);
    }
    Arrays.sort(magnitudes);
    float threshold = magnitudes[k - 1];
    int below = 0;
    for (float m : magnitudes) {
      if (m < threshold) {
        below++;
      } else {
        break;
      }
    }
    int atThreshold = k - below; // how many of the elements equal to the threshold go too
    for (int i = 0; i < w.length; i++) {
      float m = Math.abs(w[i]);
      if (m < threshold) {
        w[i] = 0f;
      } else if (m == threshold && atThreshold > 0) {
        w[i] = 0f;
        atThreshold--;
      }
    }
  }

  /** Keeps the two largest magnitudes of every group of four along the reduction dimension. */
  static void twoOfFour(float[] w, long[] dims, Layout layout) {
    switch (layout) {
      case ROWS_REDUCE -> {
        int k = (int) dims[0];
        int n = (int) dims[1];
        for (int col = 0; col < n; col++) {
          groups(w, col, n, k);
        }
      }
      case COLUMNS_REDUCE -> {
        int rows = (int) dims[0];
        int k = (int) dims[1];
        for (int r = 0; r < rows; r++) {
          groups(w, r * k, 1, k);
        }
      }
      case CONV -> {
        int m = (int) dims[0];
        int c = (int) dims[1];
        int kernel = 1;
        for (int i = 2; i < dims.length; i++) {
          kernel *= (int) dims[i];
        }
        for (int out = 0; out < m; out++) {
          for (int pos = 0; pos < kernel; pos++) {
            groups(w, out * c * kernel + pos, kernel, c);
          }
        }
      }
    }
  }

  /** The 2:4 rule over {@code count} elements starting at {@code start}, {@code stride} apart. */
  private static void groups(float[] w, int start, int stride, int count) {
    for (int g = 0; g < count; g += 4) {
      int size = Math.min(4, count - g);
      if (size <= 2) {
        continue;
      }
      // Find the two largest magnitudes (earlier position wins a tie) and zero the rest.
      int first = -1;
      int second = -1;
      for (int j = 0; j < size; j++) {
        float m = Math.abs(w[start + (g + j) * stride]);
        if (first < 0 || m > Math.abs(w[start + (g + first) * stride])) {
          second = first;
          first = j;
        } else if (second < 0 || m > Math.abs(w[start + (g + second) * stride])) {
          second = j;
        }
      }
      for (int j = 0; j < size; j++) {
        if (j != first && j != second) {
          w[start + (g + j) * stride] = 0f;
        }
      }
    }
  }

  /** Fraction of zeros in {@code w}; for reports and tests. */
  static double sparsity(float[] w) {
    long z = 0;
    for (float v : w) {
      if (v == 0f) {
        z++;
      }
    }
    return w.length == 0 ? 0 : (double) z / w.length;
  }

  /** The names of the weights {@link #prune} would touch, for reports. */
  static List<String> prunableWeights(ModelProto model, PruneOptions options) {
    OnnxGraph graph = OnnxGraph.of(model.getGraph());
    return graph.nodes().stream()
        .filter(n -> layoutOf(graph, n, options) != null)
        .map(n -> n.getInput(1))
        .distinct()
        .toList();
  }
}
