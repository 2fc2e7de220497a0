package io.hadron.quantization.onnx;

import com.google.protobuf.ByteString;
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
    if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || proto.getExternalDataCount() > 0) {
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

  private static void checkCount(String name, long expected, int actual, String field) {
    if (expected != actual) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "': shape needs " + expected + " elements but " + field + " has "
              + actual);
    }
  }
}
