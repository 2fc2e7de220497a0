package io.hadron.server.grpc;

import com.google.protobuf.ByteString;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.server.grpc.proto.GrpcService.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an input's typed contents ({@code InferTensorContents}) into tensor data: only the field
 * that matches the datatype may hold values, exactly as many as the shape has elements, each in
 * range for the datatype (INT8 and INT16 travel in 32-bit {@code int_contents}, UINT8 and UINT16 in
 * {@code uint_contents}). FP16 and BF16 have no typed field and must come as raw contents.
 *
 * <p>Stateless and thread-safe.
 */
final class TypedContents {
  private TypedContents() {}

  static Tensor read(String name, DataType type, long[] shape, InferTensorContents c) {
    String field = fieldFor(name, type);
    checkOnlyField(name, type, field, c);
    long count = Shapes.elementCount(shape);
    int given = countOf(type, c);
    if (given != count) {
      throw new HadronException.InvalidArgument("input '" + name + "': " + field + " holds " + given
          + " elements but shape " + Shapes.format(shape) + " needs " + count);
    }
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>(given);
      for (ByteString b : c.getBytesContentsList()) {
        elements.add(b.toByteArray());
      }
      return new Tensor(name, type, shape, Tensor.encodeBytes(elements));
    }
    long bytes = (long) given * type.byteSize();
    if (bytes > Integer.MAX_VALUE) {
      throw new HadronException.InvalidArgument("input '" + name + "' is larger than 2 GiB");
    }
    ByteBuffer buf = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < given; i++) {
      switch (type) {
        case BOOL -> buf.put((byte) (c.getBoolContents(i) ? 1 : 0));
        case INT8 -> buf.put((byte) inRange(name, i, c.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE, type));
        case INT16 -> buf.putShort((short) inRange(name, i, c.getIntContents(i), Short.MIN_VALUE, Short.MAX_VALUE,
            type));
        case INT32 -> buf.putInt(c.getIntContents(i));
        case INT64 -> buf.putLong(c.getInt64Contents(i));
        case UINT8 -> buf.put((byte) inRange(name, i, Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFF, type));
        case UINT16 -> buf.putShort((short) inRange(name, i, Integer.toUnsignedLong(c.getUintContents(i)), 0,
            0xFFFF, type));
        case UINT32 -> buf.putInt(c.getUintContents(i));
        case UINT64 -> buf.putLong(c.getUint64Contents(i));
        case FP32 -> buf.putFloat(c.getFp32Contents(i));
        case FP64 -> buf.putDouble(c.getFp64Contents(i));
        default -> throw new IllegalStateException("no typed field for " + type);
      }
    }
    return new Tensor(name, type, shape, buf.flip());
  }

  private static String fieldFor(String name, DataType type) {
    return switch (type) {
      case BOOL -> "bool_contents";
      case INT8, INT16, INT32 -> "int_contents";
      case INT64 -> "int64_contents";
      case UINT8, UINT16, UINT32 -> "uint_contents";
      case UINT64 -> "uint64_contents";
      case FP32 -> "fp32_contents";
      case FP64 -> "fp64_contents";
      case BYTES -> "bytes_contents";
      case FP16, BF16 -> throw new HadronException.InvalidArgument("input '" + name + "': " + type
          + " has no typed contents field; send it in raw_input_contents");
    };
  }

  private static int countOf(DataType type, InferTensorContents c) {
    return switch (type) {
      case BOOL -> c.getBoolContentsCount();
      case INT8, INT16, INT32 -> c.getIntContentsCount();
      case INT64 -> c.getInt64ContentsCount();
      case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
      case UINT64 -> c.getUint64ContentsCount();
      case FP32 -> c.getFp32ContentsCount();
      case FP64 -> c.getFp64ContentsCount();
      case BYTES -> c.getBytesContentsCount();
      case FP16, BF16 -> 0;
    };
  }

  /** Values in another type's field are an error, not something to ignore or convert. */
  private static void checkOnlyField(String name, DataType type, String expected, InferTensorContents c) {
    String[] fields = {"bool_contents", "int_contents", "int64_contents", "uint_contents", "uint64_contents",
        "fp32_contents", "fp64_contents", "bytes_contents"};
    int[] counts = {c.getBoolContentsCount(), c.getIntContentsCount(), c.getInt64ContentsCount(),
        c.getUintContentsCount(), c.getUint64ContentsCount(), c.getFp32ContentsCount(), c.getFp64ContentsCount(),
        c.getBytesContentsCount()};
    for (int i = 0; i < fields.length; i++) {
      if (counts[i] > 0 && !fields[i].equals(expected)) {
        throw new HadronException.InvalidArgument("input '" + name + "' is " + type + ", but its contents are in "
            + fields[i] + "; " + type + " data goes in " + expected);
      }
    }
  }

  private static long inRange(String name, int i, long v, long min, long max, DataType type) {
    if (v < min || v > max) {
      throw new HadronException.InvalidArgument("input '" + name + "': element " + i + " (" + v
          + ") is out of range for " + type);
    }
    return v;
  }
}
