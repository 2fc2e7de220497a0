package io.hadron.quantization.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between core {@link Tensor}s and ONNX {@link TensorProto}s.
 *
 * <p>Writing always uses {@code raw_data} (little-endian, as ONNX requires) except for strings,
 * which ONNX only allows in {@code string_data}. Reading accepts {@code raw_data} and every typed
 * field ONNX writers use, since exporters differ in which they pick.
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxTensors {
  private OnnxTensors() {}

  /** The tensor as an ONNX tensor named like it. */
  public static TensorProto toProto(Tensor tensor) {
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(tensor.name())
            .setDataType(OnnxDataTypes.toOnnxNumber(tensor.datatype()));
    for (long d : tensor.shape()) {
      b.addDims(d);
    }
    if (tensor.datatype() == DataType.BYTES) {
      for (byte[] element : tensor.bytesElements()) {
        b.addStringData(ByteString.copyFrom(element));
      }
    } else {
      b.setRawData(ByteString.copyFrom(tensor.data()));
    }
    return b.build();
  }

  /**
   * The ONNX tensor as a core tensor, its data copied into a new buffer.
   *
   * @throws HadronException.Unsupported if the element type has no KServe datatype or the data
   *     lives in an external file
   * @throws HadronException.InvalidArgument if the data does not match the declared shape
   */
  public static Tensor toTensor(TensorProto proto) {
    String name = proto.getName();
    if (isExternal(proto)) {
      throw new HadronException.Unsupported(
          "tensor '" + name + "' keeps its data in an external file, which is not read here");
    }
    if (proto.hasSegment()) {
      throw new HadronException.Unsupported(
          "tensor '" + name + "' is a segment of a chunked tensor");
    }
    DataType type = OnnxDataTypes.fromOnnxNumber(proto.getDataType());
    long[] shape = proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
    long count = Shapes.elementCount(shape);
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>(proto.getStringDataCount());
      for (ByteString s : proto.getStringDataList()) {
        elements.add(s.toByteArray());
      }
      checkCount(name, count, elements.size(), "string_data");
      return new Tensor(name, type, shape, Tensor.encodeBytes(elements));
    }
    if (proto.hasRawData()) {
      ByteBuffer data = ByteBuffer.allocateDirect(proto.getRawData().size());
      proto.getRawData().copyTo(data);
      return new Tensor(name, type, shape, data.flip());
    }
    if (count > Integer.MAX_VALUE / type.byteSize()) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "' is too large to hold in memory");
    }
    ByteBuffer out =
        ByteBuffer.allocateDirect((int) count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case FP32 -> {
        checkCount(name, count, proto.getFloatDataCount(), "float_data");
        proto.getFloatDataList().forEach(out::putFloat);
      }
      case FP64 -> {
        checkCount(name, count, proto.getDoubleDataCount(), "double_data");
        proto.getDoubleDataList().forEach(out::putDouble);
      }
      case INT64 -> {
        checkCount(name, count, proto.getInt64DataCount(), "int64_data");
        proto.getInt64DataList().forEach(out::putLong);
      }
      case UINT32 -> {
        checkCount(name, count, proto.getUint64DataCount(), "uint64_data");
        proto.getUint64DataList().forEach(v -> out.putInt(v.intValue()));
      }
      case UINT64 -> {
        checkCount(name, count, proto.getUint64DataCount(), "uint64_data");
        proto.getUint64DataList().forEach(out::putLong);
      }
      case INT32 -> {
        checkCount(name, count, proto.getInt32DataCount(), "int32_data");
        proto.getInt32DataList().forEach(out::putInt);
      }
      // ONNX widens these to int32 per element; 16-bit floats travel as their bit patterns.
      case INT16, UINT16, FP16, BF16 -> {
        checkCount(name, count, proto.getInt32DataCount(), "int32_data");
        proto.getInt32DataList().forEach(v -> out.putShort(v.shortValue()));
      }
      case INT8, UINT8, BOOL -> {
        checkCount(name, count, proto.getInt32DataCount(), "int32_data");
        proto.getInt32DataList().forEach(v -> out.put(v.byteValue()));
      }
      case BYTES -> throw new AssertionError("handled above");
    }
    return new Tensor(name, type, shape, out.flip());
  }

  /**
   * The elements of a FLOAT tensor, from {@code raw_data} or {@code float_data}.
   *
   * @throws HadronException.InvalidArgument if the tensor is not FLOAT or its data does not match
   *     its shape
   * @throws HadronException.Unsupported if the data lives in an external file
   */
  public static float[] floats(TensorProto proto) {
    if (proto.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
      throw new HadronException.InvalidArgument(
          "tensor '" + proto.getName() + "' is " + typeName(proto.getDataType()) + ", not FLOAT");
    }
    requireInternal(proto);
    long count = elementCount(proto);
    if (count > Integer.MAX_VALUE - 8) {
      throw new HadronException.InvalidArgument(
          "tensor '" + proto.getName() + "' has " + count + " elements, too many for one array");
    }
    float[] out = new float[(int) count];
    if (proto.hasRawData()) {
      if (proto.getRawData().size() != count * 4) {
        throw new HadronException.InvalidArgument(
            "tensor '" + proto.getName() + "': shape needs " + count * 4 + " bytes but raw_data has "
                + proto.getRawData().size());
      }
      proto.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    } else {
      checkCount(proto.getName(), count, proto.getFloatDataCount(), "float_data");
      for (int i = 0; i < out.length; i++) {
        out[i] = proto.getFloatData(i);
      }
    }
    return out;
  }

  /** A FLOAT tensor holding {@code values} in {@code raw_data}. */
  public static TensorProto ofFloats(String name, long[] dims, float[] values) {
    checkCount(name, Shapes.elementCount(dims), values.length, "values");
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return raw(name, TensorProto.DataType.FLOAT, dims, b.array());
  }

  /** An INT8 or UINT8 tensor holding {@code values} (two's complement bytes) in {@code raw_data}. */
  public static TensorProto ofBytes(
      String name, TensorProto.DataType type, long[] dims, byte[] values) {
    if (type != TensorProto.DataType.INT8 && type != TensorProto.DataType.UINT8) {
      throw new IllegalArgumentException("ofBytes makes INT8 or UINT8 tensors, not " + type);
    }
    checkCount(name, Shapes.elementCount(dims), values.length, "values");
    return raw(name, type, dims, values.clone());
  }

  /** A FLOAT16 tensor holding {@code bits} (IEEE 754 binary16 patterns) in {@code raw_data}. */
  public static TensorProto ofFloat16(String name, long[] dims, short[] bits) {
    checkCount(name, Shapes.elementCount(dims), bits.length, "values");
    ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    b.asShortBuffer().put(bits);
    return raw(name, TensorProto.DataType.FLOAT16, dims, b.array());
  }

  /** A scalar (rank 0) tensor of one ONNX element type holding one float or integer value. */
  public static TensorProto scalar(String name, TensorProto.DataType type, double value) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case FLOAT -> b.putFloat((float) value);
      case DOUBLE -> b.putDouble(value);
      case FLOAT16 -> b.putShort(Float.floatToFloat16((float) value));
      case INT8, UINT8 -> b.put((byte) (long) value);
      case INT32 -> b.putInt((int) value);
      case INT64 -> b.putLong((long) value);
      default -> throw new IllegalArgumentException("scalar of type " + type + " not supported");
    }
    byte[] bytes = new byte[b.position()];
    b.flip().get(bytes);
    return raw(name, type, new long[0], bytes);
  }

  /** The number of elements the tensor's dims describe. */
  public static long elementCount(TensorProto proto) {
    long n = 1;
    for (long d : proto.getDimsList()) {
      if (d < 0) {
        throw new HadronException.InvalidArgument(
            "tensor '" + proto.getName() + "' has a negative dimension " + d);
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The dims as an array. */
  public static long[] dims(TensorProto proto) {
    return proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
  }

  /** True if the tensor's data sits in an external file rather than in the message. */
  public static boolean isExternal(TensorProto proto) {
    return proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || proto.getExternalDataCount() > 0;
  }

  private static void requireInternal(TensorProto proto) {
    if (isExternal(proto)) {
      throw new HadronException.Unsupported(
          "tensor '" + proto.getName() + "' keeps its data in an external file; read the model"
              + " with OnnxModels.readWithExternalData first");
    }
  }

  private static String typeName(int number) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(number);
    return t == null ? "element type " + number : t.name();
  }

  private static TensorProto raw(String name, TensorProto.DataType type, long[] dims, byte[] data) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
    for (long d : dims) {
      b.addDims(d);
    }
    // The array is ours alone from here on, so wrapping it saves a copy of every weight.
    return b.setRawData(UnsafeByteOperations.unsafeWrap(data)).build();
  }

  private static void checkCount(String name, long expected, int actual, String field) {
    if (expected != actual) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "': shape needs " + expected + " elements but " + field + " has "
              + actual);
    }
  }
}
