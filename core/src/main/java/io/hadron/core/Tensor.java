package io.hadron.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named tensor: datatype, shape and data in a little-endian, row-major {@link ByteBuffer}.
 *
 * <p>For fixed-size types the buffer holds exactly {@code elementCount * byteSize} bytes. For
 * {@link DataType#BYTES} each element is a 4-byte little-endian length followed by its bytes, and
 * the buffer holds exactly {@code elementCount} such elements.
 *
 * <p>Immutable as far as this class goes: the constructor validates the layout and {@link #data()}
 * returns a read-only view positioned at zero, so holders cannot disturb one another's positions.
 * The bytes themselves are shared; a producer must not write to its buffer once it has built a
 * tensor on it.
 */
public final class Tensor {
  private final String name;
  private final DataType datatype;
  private final long[] shape;
  private final ByteBuffer data;
  private final long elementCount;

  /**
   * Wraps {@code data} (from its position to its limit) as a tensor.
   *
   * @throws HadronException.InvalidArgument if the data does not match datatype and shape
   */
  public Tensor(String name, DataType datatype, long[] shape, ByteBuffer data) {
    this.name = Objects.requireNonNull(name, "name");
    this.datatype = Objects.requireNonNull(datatype, "datatype");
    this.shape = shape.clone();
    this.elementCount = Shapes.elementCount(this.shape);
    ByteBuffer slice = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (datatype.isFixedSize()) {
      long expected = elementCount * datatype.byteSize();
      if (slice.remaining() != expected) {
        throw new HadronException.InvalidArgument(
            "tensor '" + name + "': " + datatype + " " + Shapes.format(this.shape) + " needs " + expected
                + " bytes of data, got " + slice.remaining());
      }
    } else {
      checkBytesLayout(name, slice, elementCount);
    }
    this.data = slice.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void checkBytesLayout(String name, ByteBuffer buf, long elementCount) {
    int pos = 0;
    int limit = buf.limit();
    for (long i = 0; i < elementCount; i++) {
      if (limit - pos < 4) {
        throw new HadronException.InvalidArgument(
            "tensor '" + name + "': BYTES data ends before element " + i + " of " + elementCount);
      }
      int len = buf.getInt(pos);
      if (len < 0 || len > limit - pos - 4) {
        throw new HadronException.InvalidArgument(
            "tensor '" + name + "': BYTES element " + i + " claims " + Integer.toUnsignedString(len)
                + " bytes but only " + (limit - pos - 4) + " remain");
      }
      pos += 4 + len;
    }
    if (pos != limit) {
      throw new HadronException.InvalidArgument(
          "tensor '" + name + "': " + (limit - pos) + " bytes left over after " + elementCount
              + " BYTES elements");
    }
  }

  public String name() {
    return name;
  }

  public DataType datatype() {
    return datatype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  public long elementCount() {
    return elementCount;
  }

  /** Size of the data in bytes. */
  public int byteSize() {
    return data.capacity();
  }

  /** A read-only, little-endian view of the data, positioned at zero. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The same data under another name. */
  public Tensor withName(String newName) {
    return new Tensor(newName, datatype, shape, data);
  }

  /** Decodes a {@link DataType#BYTES} tensor into its elements. */
  public List<byte[]> bytesElements() {
    if (datatype != DataType.BYTES) {
      throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not BYTES");
    }
    List<byte[]> out = new ArrayList<>((int) Math.min(elementCount, 1 << 20));
    ByteBuffer b = data();
    while (b.hasRemaining()) {
      byte[] e = new byte[b.getInt()];
      b.get(e);
      out.add(e);
    }
    return out;
  }

  /** Encodes elements in the BYTES layout (length-prefixed) into a new direct buffer. */
  public static ByteBuffer encodeBytes(List<byte[]> elements) {
    long total = 0;
    for (byte[] e : elements) {
      total += 4 + e.length;
    }
    if (total > Integer.MAX_VALUE) {
      throw new HadronException.InvalidArgument("BYTES tensor larger than 2 GiB");
    }
    ByteBuffer b = ByteBuffer.allocateDirect((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] e : elements) {
      b.putInt(e.length).put(e);
    }
    return b.flip();
  }

  /** Convenience for tests and examples: UTF-8 strings as a BYTES tensor of shape [n]. */
  public static Tensor ofStrings(String name, List<String> values) {
    List<byte[]> bytes = values.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    return new Tensor(name, DataType.BYTES, new long[] {values.size()}, encodeBytes(bytes));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + ", " + datatype + ", " + Shapes.format(shape) + "]";
  }
}
