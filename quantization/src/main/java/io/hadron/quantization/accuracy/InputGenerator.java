package io.hadron.quantization.accuracy;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.OnnxDataTypes;
import io.hadron.quantization.onnx.OnnxGraph;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorShapeProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * Makes plausible inputs for a model from its declared inputs alone, for accuracy checks and
 * calibration when the caller has no real data.
 *
 * <p>Shapes: a fixed dimension is used as declared; a symbolic or unknown first dimension is the
 * batch size; every other symbolic dimension is a sequence length drawn per batch between the
 * settings' bounds, the same for every input that names the same dimension.
 *
 * <p>Values, by what the input looks like (the heuristic is aimed at transformer encoders, whose
 * inputs are token ids, an attention mask and segment ids, and is harmless elsewhere):
 *
 * <ul>
 *   <li>an integer input the model uses as the indices of a Gather on a constant table (token ids
 *       into an embedding): uniform ids in [0, rows of that table), so every id is valid. Not
 *       skewed towards small ids, although subword vocabularies are roughly ordered by frequency:
 *       their first rows are mostly reserved, never-trained tokens ([unused0]...), and inputs full
 *       of those make outliers no real request has (measured on all-MiniLM-L6-v2: per-token
 *       cosine of the published int8 model 0.941 with half the rows log-uniform, 0.984 uniform);
 *   <li>an input whose name contains "mask": all 1. Rows are not padded: a padded position's
 *       output is a value no caller reads (pooling masks it out), and it is numerically fragile,
 *       so comparing it would measure noise; lengths vary between input sets instead;
 *   <li>a name containing "position": 0, 1, 2, ... along the last axis;
 *   <li>any other integer input ("token_type_ids", "segment_ids" and unknowns): 0, the one value
 *       every index-like input accepts;
 *   <li>booleans: true; floating point: standard normal values.
 * </ul>
 *
 * <p>String inputs cannot be invented; for those the caller passes inputs.
 *
 * <p>Stateless and thread-safe; the same settings and model give the same inputs.
 */
public final class InputGenerator {
  /**
   * How many inputs to make and how large.
   *
   * @param batches how many input sets (one model run each)
   * @param batchSize rows per set, used for a symbolic first dimension
   * @param minLength shortest sequence length, for other symbolic dimensions
   * @param maxLength longest sequence length
   * @param seed random seed
   */
  public record Settings(int batches, int batchSize, int minLength, int maxLength, long seed) {
    public Settings {
      if (batches < 1 || batchSize < 1) {
        throw new IllegalArgumentException(
            "batches and batchSize must be at least 1, got " + batches + " and " + batchSize);
      }
      if (minLength < 1 || maxLength < minLength) {
        throw new IllegalArgumentException(
            "need 1 <= minLength <= maxLength, got " + minLength + " and " + maxLength);
      }
    }
  }

  private InputGenerator() {}

  /**
   * Input sets for the model's main graph.
   *
   * @throws HadronException.Unsupported if an input is a string or not a tensor
   */
  public static List<Map<String, Tensor>> generate(ModelProto model, Settings settings) {
    OnnxGraph graph = OnnxGraph.of(model.getGraph());
    List<ValueInfoProto> inputs = graph.inputs();
    Map<String, Long> tableRows = new HashMap<>();
    for (ValueInfoProto in : inputs) {
      indexTableRows(graph, in.getName()).ifPresent(rows -> tableRows.put(in.getName(), rows));
    }
    SplittableRandom random = new SplittableRandom(settings.seed());
    List<Map<String, Tensor>> sets = new ArrayList<>(settings.batches());
    for (int b = 0; b < settings.batches(); b++) {
      Map<String, Long> symbols = new HashMap<>();
      int length =
          settings.minLength() + random.nextInt(settings.maxLength() - settings.minLength() + 1);
      Map<String, Tensor> set = new LinkedHashMap<>();
      for (ValueInfoProto in : inputs) {
        long[] shape = shape(in, settings.batchSize(), length, symbols);
        set.put(
            in.getName(), tensor(in, shape, tableRows.get(in.getName()), random));
      }
      sets.add(set);
    }
    return sets;
  }

  /** Rows of the constant table that {@code input} indexes through a Gather, if it does. */
  private static OptionalLong indexTableRows(OnnxGraph graph, String input) {
    for (NodeProto n : graph.consumers(input)) {
      if (OnnxGraph.isDefaultDomain(n)
          && n.getOpType().equals("Gather")
          && n.getInputCount() == 2
          && n.getInput(1).equals(input)) {
        var table = graph.constant(n.getInput(0));
        long axis =
            n.getAttributeList().stream()
                .filter(a -> a.getName().equals("axis"))
                .mapToLong(a -> a.getI())
                .findFirst()
                .orElse(0);
        if (table.isPresent() && table.get().getDimsCount() > 0) {
          int rank = table.get().getDimsCount();
          int ax = (int) (axis < 0 ? axis + rank : axis);
          if (ax >= 0 && ax < rank) {
            return OptionalLong.of(table.get().getDims(ax));
          }
        }
      }
    }
    return OptionalLong.empty();
  }

  private static long[] shape(
      ValueInfoProto in, int batchSize, int length, Map<String, Long> symbols) {
    if (!in.getType().hasTensorType()) {
      throw new HadronException.Unsupported(
          "input '" + in.getName() + "' is not a tensor; pass inputs for this model");
    }
    List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      TensorShapeProto.Dimension d = dims.get(i);
      if (d.hasDimValue() && d.getDimValue() >= 0) {
        shape[i] = d.getDimValue();
        continue;
      }
      long size = i == 0 ? batchSize : length;
      if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
        long fresh = size;
        size = symbols.computeIfAbsent(d.getDimParam(), k -> fresh);
      }
      shape[i] = size;
    }
    return shape;
  }

  private static Tensor tensor(
      ValueInfoProto in,
      long[] shape,
      Long tableRows,
      SplittableRandom random) {
    String name = in.getName();
    DataType type;
    try {
      type = OnnxDataTypes.fromOnnxNumber(in.getType().getTensorType().getElemType());
    } catch (HadronException e) {
      throw new HadronException.Unsupported(
          "input '" + name + "': " + e.getMessage() + "; pass inputs for this model", e);
    }
    if (type == DataType.BYTES) {
      throw new HadronException.Unsupported(
          "input '" + name + "' holds strings, which cannot be generated; pass inputs");
    }
    int count = Math.toIntExact(io.hadron.core.Shapes.elementCount(shape));
    String lower = name.toLowerCase(Locale.ROOT);
    long last = shape.length == 0 ? 1 : shape[shape.length - 1];
    double[] v = new double[count];
    for (int i = 0; i < count; i++) {
      long pos = last == 0 ? 0 : i % last;
      if (lower.contains("mask")) {
        v[i] = 1;
      } else if (type.isFloatingPoint()) {
        v[i] = random.nextGaussian();
      } else if (type == DataType.BOOL) {
        v[i] = 1;
      } else if (lower.contains("position")) {
        v[i] = pos;
      } else if (tableRows != null && tableRows > 0) {
        v[i] = random.nextLong(tableRows);
      } else {
        v[i] = 0;
      }
    }
    return new Tensor(name, type, shape, encode(type, v));
  }

  private static ByteBuffer encode(DataType type, double[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      switch (type) {
        case FP32 -> b.putFloat((float) x);
        case FP64 -> b.putDouble(x);
        case FP16 -> b.putShort(Float.floatToFloat16((float) x));
        case BF16 -> b.putShort((short) (Float.floatToIntBits((float) x) >>> 16));
        case INT64, UINT64 -> b.putLong((long) x);
        case INT32, UINT32 -> b.putInt((int) x);
        case INT16, UINT16 -> b.putShort((short) x);
        case INT8, UINT8, BOOL -> b.put((byte) x);
        case BYTES -> throw new AssertionError("rejected earlier");
      }
    }
    return b.flip();
  }
}
