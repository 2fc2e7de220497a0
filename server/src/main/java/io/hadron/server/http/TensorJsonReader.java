package io.hadron.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code data} of a JSON tensor, flat or nested, straight into a little-endian direct
 * buffer of the declared datatype, checking each element's JSON type and range as it goes.
 *
 * <p>Stateless and thread-safe. When a client sends {@code data} before {@code datatype} or
 * {@code shape} (JSON leaves field order free), the values are held as {@link Raw} elements and
 * converted once both are known.
 */
final class TensorJsonReader {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private TensorJsonReader() {}

  /** One element kept before the datatype was known. */
  record Raw(JsonToken token, Object value) {}

  /**
   * Reads the array at the parser's current token (START_ARRAY) into a tensor.
   *
   * @param maxElements upper bound on what the body can hold, to refuse a huge shape before
   *     allocating for it
   */
  static Tensor read(JsonParser p, String name, DataType type, long[] shape, long maxElements) throws IOException {
    long count = checkedCount(name, type, shape, maxElements);
    Sink sink = Sink.of(name, type, count);
    expectArray(p, name);
    readArray(p, sink);
    return sink.finish(shape);
  }

  /** Reads the array at the parser's current token into raw elements, for later conversion. */
  static List<Raw> readRaw(JsonParser p, String name) throws IOException {
    expectArray(p, name);
    List<Raw> out = new ArrayList<>();
    collectRaw(p, out);
    return out;
  }

  /** Converts elements read before the datatype was known. */
  static Tensor convert(List<Raw> raw, String name, DataType type, long[] shape, long maxElements) {
    long count = checkedCount(name, type, shape, maxElements);
    Sink sink = Sink.of(name, type, count);
    for (Raw r : raw) {
      sink.put(r.token, r.value);
    }
    return sink.finish(shape);
  }

  private static long checkedCount(String name, DataType type, long[] shape, long maxElements) {
    long count = Shapes.elementCount(shape);
    if (count > maxElements) {
      throw new HadronException.InvalidArgument("input '" + name + "': shape " + Shapes.format(shape) + " needs "
          + count + " elements, more than the request body holds");
    }
    if (type.isFixedSize() && count * type.byteSize() > Integer.MAX_VALUE) {
      throw new HadronException.InvalidArgument("input '" + name + "' is larger than 2 GiB");
    }
    return count;
  }

  private static void expectArray(JsonParser p, String name) {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new HadronException.InvalidArgument("input '" + name + "': 'data' must be a JSON array, got "
          + describe(p.currentToken()));
    }
  }

  private static void readArray(JsonParser p, Sink sink) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == JsonToken.START_ARRAY) {
        readArray(p, sink);
      } else {
        sink.put(t, p);
      }
    }
  }

  private static void collectRaw(JsonParser p, List<Raw> out) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      switch (t) {
        case START_ARRAY -> collectRaw(p, out);
        case VALUE_NUMBER_INT -> out.add(new Raw(t, p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getBigIntegerValue() : (Object) p.getLongValue()));
        case VALUE_NUMBER_FLOAT -> out.add(new Raw(t, p.getDoubleValue()));
        case VALUE_STRING -> out.add(new Raw(t, p.getText()));
        case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> out.add(new Raw(t, null));
        default -> {
          out.add(new Raw(t, null));
          p.skipChildren();
        }
      }
    }
  }

  static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a floating-point number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }

  /** Receives elements one by one and owns the output buffer. Confined to one decode. */
  private static final class Sink {
    private final String name;
    private final DataType type;
    private final long expected;
    private final ByteBuffer buf;
    private final List<byte[]> strings;
    private long n;

    private Sink(String name, DataType type, long expected) {
      this.name = name;
      this.type = type;
      this.expected = expected;
      if (type == DataType.BYTES) {
        this.buf = null;
        this.strings = new ArrayList<>((int) Math.min(expected, 1 << 16));
      } else {
        this.buf = ByteBuffer.allocateDirect((int) (expected * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        this.strings = null;
      }
    }

    static Sink of(String name, DataType type, long expected) {
      return new Sink(name, type, expected);
    }

    /** From a live parser positioned on a scalar token. */
    void put(JsonToken t, JsonParser p) throws IOException {
      Object v = switch (t) {
        case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getBigIntegerValue() : (Object) p.getLongValue();
        case VALUE_NUMBER_FLOAT -> type.isFloatingPoint() ? (Object) p.getDoubleValue() : null;
        case VALUE_STRING -> p.getText();
        default -> null;
      };
      if (t == JsonToken.START_OBJECT) {
        p.skipChildren();
      }
      put(t, v);
    }

    void put(JsonToken t, Object v) {
      if (n == expected) {
        throw new HadronException.InvalidArgument("input '" + name + "': data has more than the " + expected
            + " elements its shape holds");
      }
      switch (type) {
        case BOOL -> {
          if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw wrongType(t, "a boolean");
          }
          buf.put((byte) (t == JsonToken.VALUE_TRUE ? 1 : 0));
        }
        case INT8 -> buf.put((byte) integer(t, v, Byte.MIN_VALUE, Byte.MAX_VALUE));
        case UINT8 -> buf.put((byte) integer(t, v, 0, 0xFF));
        case INT16 -> buf.putShort((short) integer(t, v, Short.MIN_VALUE, Short.MAX_VALUE));
        case UINT16 -> buf.putShort((short) integer(t, v, 0, 0xFFFF));
        case INT32 -> buf.putInt((int) integer(t, v, Integer.MIN_VALUE, Integer.MAX_VALUE));
        case UINT32 -> buf.putInt((int) integer(t, v, 0, 0xFFFF_FFFFL));
        case INT64 -> buf.putLong(integer(t, v, Long.MIN_VALUE, Long.MAX_VALUE));
        case UINT64 -> buf.putLong(uint64(t, v));
        case FP16 -> buf.putShort(Float.floatToFloat16((float) real(t, v)));
        case BF16 -> buf.putShort(toBf16((float) real(t, v)));
        case FP32 -> buf.putFloat((float) real(t, v));
        case FP64 -> buf.putDouble(real(t, v));
        case BYTES -> {
          if (t != JsonToken.VALUE_STRING) {
            throw wrongType(t, "a string");
          }
          strings.add(((String) v).getBytes(StandardCharsets.UTF_8));
        }
      }
      n++;
    }

    private long integer(JsonToken t, Object v, long min, long max) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw wrongType(t, "an integer");
      }
      if (!(v instanceof Long l) || l < min || l > max) {
        throw new HadronException.InvalidArgument("input '" + name + "': element " + n + " (" + v
            + ") is out of range for " + type);
      }
      return l;
    }

    private long uint64(JsonToken t, Object v) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw wrongType(t, "an integer");
      }
      if (v instanceof Long l && l >= 0) {
        return l;
      }
      if (v instanceof BigInteger b && b.signum() >= 0 && b.compareTo(TWO_64) < 0) {
        return b.longValue();
      }
      throw new HadronException.InvalidArgument("input '" + name + "': element " + n + " (" + v
          + ") is out of range for UINT64");
    }

    private double real(JsonToken t, Object v) {
      if (t == JsonToken.VALUE_NUMBER_FLOAT && v instanceof Double d) {
        return d;
      }
      if (t == JsonToken.VALUE_NUMBER_INT) {
        return v instanceof Long l ? l : ((BigInteger) v).doubleValue();
      }
      throw wrongType(t, "a number");
    }

    private HadronException wrongType(JsonToken t, String expectedKind) {
      return new HadronException.InvalidArgument("input '" + name + "': element " + n + " is " + describe(t)
          + ", but " + type + " data needs " + expectedKind);
    }

    Tensor finish(long[] shape) {
      if (n != expected) {
        throw new HadronException.InvalidArgument("input '" + name + "': data has " + n + " elements but shape "
            + Shapes.format(shape) + " needs " + expected);
      }
      ByteBuffer data = type == DataType.BYTES ? Tensor.encodeBytes(strings) : buf.flip();
      return new Tensor(name, type, shape, data);
    }
  }

  /** Round-to-nearest-even truncation of a float to bfloat16; NaN stays a quiet NaN. */
  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7FC0;
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }
}
