package io.hadron.quantization.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.FunctionProto;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.SparseTensorProto;
import io.hadron.quantization.onnx.proto.StringStringEntryProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.onnx.proto.TrainingInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Moves tensor data between a model message and external data files, as ONNX does for models past
 * protobuf's 2 GiB limit.
 *
 * <p>An external tensor names its file with the {@code location} key, relative to the model's
 * directory, and its byte range with {@code offset} and {@code length}. Locations are confined to
 * that directory: an absolute path or one that climbs out with {@code ..} is refused, so a model
 * from an untrusted repository cannot make the server read arbitrary files.
 *
 * <p>Every tensor of the model is visited: initializers, sparse initializers, tensors inside node
 * attributes (Constant) and, recursively, subgraphs, functions and training graphs.
 *
 * <p>Stateless and thread-safe; each call works on its own files.
 */
final class ExternalData {
  /** Offsets in a data file we write are multiples of this, so engines may map tensors directly. */
  static final int ALIGNMENT = 4096;

  private ExternalData() {}

  /** The model with every external tensor's bytes read from files under {@code baseDir}. */
  static ModelProto internalize(ModelProto model, Path baseDir) {
    Path base = baseDir.toAbsolutePath().normalize();
    Map<Path, FileChannel> open = new HashMap<>();
    try {
      return mapTensors(model, t -> OnnxTensors.isExternal(t) ? load(t, base, open) : t);
    } finally {
      for (FileChannel c : open.values()) {
        try {
          c.close();
        } catch (IOException ignored) {
          // Read-only channels: nothing to lose on a failed close.
        }
      }
    }
  }

  /** True if any tensor of the model keeps its data in an external file. */
  static boolean hasExternal(ModelProto model) {
    boolean[] found = {false};
    mapTensors(
        model,
        t -> {
          found[0] |= OnnxTensors.isExternal(t);
          return t;
        });
    return found[0];
  }

  /**
   * The model with each tensor whose {@code raw_data} holds at least {@code threshold} bytes moved
   * into {@code data} (appended at aligned offsets) and referenced as {@code location}.
   */
  static ModelProto externalize(
      ModelProto model, String location, long threshold, FileChannel data) {
    return mapTensors(
        model,
        t -> {
          if (OnnxTensors.isExternal(t)) {
            throw new HadronException.InvalidArgument(
                "tensor '" + t.getName() + "' already refers to an external file; read the model"
                    + " with OnnxModels.readWithExternalData before writing it out again");
          }
          if (!t.hasRawData() || t.getRawData().size() < threshold) {
            return t;
          }
          try {
            long offset = align(data.size());
            ByteBuffer bytes = t.getRawData().asReadOnlyByteBuffer();
            long length = bytes.remaining();
            long pos = offset;
            while (bytes.hasRemaining()) {
              pos += data.write(bytes, pos);
            }
            return t.toBuilder()
                .clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(length)))
                .build();
          } catch (IOException e) {
            throw new HadronException.Internal(
                "cannot write external data of tensor '" + t.getName() + "': " + e, e);
          }
        });
  }

  /** Total bytes of {@code raw_data} over all tensors: a model's size before serialization. */
  static long rawBytes(ModelProto model) {
    long[] total = {0};
    mapTensors(
        model,
        t -> {
          total[0] += t.getRawData().size();
          return t;
        });
    return total[0];
  }

  /** Applies {@code f} to every tensor in the model; unchanged parts are shared, not copied. */
  static ModelProto mapTensors(ModelProto model, UnaryOperator<TensorProto> f) {
    ModelProto.Builder b = model.toBuilder();
    b.setGraph(mapGraph(model.getGraph(), f));
    for (int i = 0; i < b.getFunctionsCount(); i++) {
      FunctionProto fn = b.getFunctions(i);
      FunctionProto.Builder fb = fn.toBuilder().clearNode();
      fn.getNodeList().forEach(n -> fb.addNode(mapNode(n, f)));
      b.setFunctions(i, fb);
    }
    for (int i = 0; i < b.getTrainingInfoCount(); i++) {
      TrainingInfoProto ti = b.getTrainingInfo(i);
      TrainingInfoProto.Builder tb = ti.toBuilder();
      if (ti.hasInitialization()) {
        tb.setInitialization(mapGraph(ti.getInitialization(), f));
      }
      if (ti.hasAlgorithm()) {
        tb.setAlgorithm(mapGraph(ti.getAlgorithm(), f));
      }
      b.setTrainingInfo(i, tb);
    }
    return b.build();
  }

  private static GraphProto mapGraph(GraphProto g, UnaryOperator<TensorProto> f) {
    GraphProto.Builder b = g.toBuilder().clearInitializer().clearSparseInitializer().clearNode();
    g.getInitializerList().forEach(t -> b.addInitializer(f.apply(t)));
    g.getSparseInitializerList().forEach(s -> b.addSparseInitializer(mapSparse(s, f)));
    g.getNodeList().forEach(n -> b.addNode(mapNode(n, f)));
    return b.build();
  }

  private static NodeProto mapNode(NodeProto n, UnaryOperator<TensorProto> f) {
    boolean hasTensors =
        n.getAttributeList().stream()
            .anyMatch(
                a ->
                    a.hasT() || a.getTensorsCount() > 0 || a.hasG() || a.getGraphsCount() > 0
                        || a.hasSparseTensor() || a.getSparseTensorsCount() > 0);
    if (!hasTensors) {
      return n;
    }
    NodeProto.Builder b = n.toBuilder().clearAttribute();
    for (AttributeProto a : n.getAttributeList()) {
      AttributeProto.Builder ab = a.toBuilder();
      if (a.hasT()) {
        ab.setT(f.apply(a.getT()));
      }
      ab.clearTensors();
      a.getTensorsList().forEach(t -> ab.addTensors(f.apply(t)));
      if (a.hasG()) {
        ab.setG(mapGraph(a.getG(), f));
      }
      ab.clearGraphs();
      a.getGraphsList().forEach(g -> ab.addGraphs(mapGraph(g, f)));
      if (a.hasSparseTensor()) {
        ab.setSparseTensor(mapSparse(a.getSparseTensor(), f));
      }
      ab.clearSparseTensors();
      a.getSparseTensorsList().forEach(s -> ab.addSparseTensors(mapSparse(s, f)));
      b.addAttribute(ab);
    }
    return b.build();
  }

  private static SparseTensorProto mapSparse(SparseTensorProto s, UnaryOperator<TensorProto> f) {
    SparseTensorProto.Builder b = s.toBuilder();
    if (s.hasValues()) {
      b.setValues(f.apply(s.getValues()));
    }
    if (s.hasIndices()) {
      b.setIndices(f.apply(s.getIndices()));
    }
    return b.build();
  }

  private static TensorProto load(TensorProto t, Path base, Map<Path, FileChannel> open) {
    String name = t.getName();
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      switch (e.getKey()) {
        case "location" -> location = e.getValue();
        case "offset" -> offset = parseLong(name, "offset", e.getValue());
        case "length" -> length = parseLong(name, "length", e.getValue());
        default -> {
          // "checksum" and future keys do not change where the bytes are.
        }
      }
    }
    if (location == null || location.isEmpty()) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "' is external but names no location");
    }
    Path file = base.resolve(location).normalize();
    if (Path.of(location).isAbsolute() || !file.startsWith(base)) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "': external data location '" + location
              + "' is outside the model's directory");
    }
    try {
      FileChannel ch = open.get(file);
      if (ch == null) {
        ch = FileChannel.open(file, StandardOpenOption.READ);
        open.put(file, ch);
      }
      long size = ch.size();
      if (length < 0) {
        length = size - offset;
      }
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new HadronException.InvalidArgument(
            "tensor '" + name + "': bytes [" + offset + ", " + (offset + length) + ") are outside"
                + " external data file '" + location + "' of " + size + " bytes");
      }
      if (length > Integer.MAX_VALUE - 8) {
        throw new HadronException.Unsupported(
            "tensor '" + name + "' has " + length + " bytes of external data, over 2 GiB");
      }
      long expected = expectedBytes(t);
      if (expected >= 0 && expected != length) {
        throw new HadronException.InvalidArgument(
            "tensor '" + name + "': its shape needs " + expected + " bytes but external data"
                + " holds " + length);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) length);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new HadronException.InvalidArgument(
              "tensor '" + name + "': external data file '" + location + "' ended early");
        }
      }
      ByteString data = UnsafeByteOperations.unsafeWrap(buf.array());
      return t.toBuilder().clearExternalData().clearDataLocation().setRawData(data).build();
    } catch (NoSuchFileException e) {
      throw new HadronException.NotFound(
          "tensor '" + name + "': external data file '" + location + "' does not exist");
    } catch (IOException e) {
      throw new HadronException.Internal(
          "tensor '" + name + "': cannot read external data file '" + location + "': " + e, e);
    }
  }

  /** Bytes the tensor's shape calls for, or -1 for element types of no whole-byte width. */
  private static long expectedBytes(TensorProto t) {
    TensorProto.DataType type = TensorProto.DataType.forNumber(t.getDataType());
    if (type == null) {
      return -1;
    }
    int width =
        switch (type) {
          case FLOAT, INT32, UINT32 -> 4;
          case DOUBLE, INT64, UINT64, COMPLEX64 -> 8;
          case COMPLEX128 -> 16;
          case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
          case INT8, UINT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ,
              FLOAT8E8M0 ->
              1;
          default -> -1;
        };
    return width < 0 ? -1 : OnnxTensors.elementCount(t) * width;
  }

  private static long parseLong(String tensor, String key, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new HadronException.InvalidArgument(
          "tensor '" + tensor + "': external data " + key + " '" + value + "' is not a number");
    }
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  private static long align(long offset) {
    return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }
}
