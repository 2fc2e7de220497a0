package io.hadron.loadtests.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One input tensor of one sample (batch dimension 1): its name, datatype, shape without the batch
 * dimension, and its elements in little-endian row-major order, as the KServe v2 binary extension
 * carries them. The same bytes feed the JSON and binary requests and, repeated per row, the bare
 * engine, so that every comparison runs on identical inputs.
 *
 * <p>Immutable: the bytes are copied in and out.
 */
public final class SampleTensor {
  /** The integer datatypes the bundled models take. */
  public enum Type {
    INT32(4),
    INT64(8);

    final int bytes;

    Type(int bytes) {
      this.bytes = bytes;
    }
  }

  private final String name;
  private final Type type;
  private final long[] dims;
  private final byte[] data;

  public SampleTensor(String name, Type type, long[] dims, byte[] data) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
    this.dims = dims.clone();
    long elements = 1;
    for (long d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("tensor '" + name + "': dims must be positive, got " + Arrays.toString(dims));
      }
      elements = Math.multiplyExact(elements, d);
    }
    if (data.length != elements * type.bytes) {
      throw new IllegalArgumentException("tensor '" + name + "': " + Arrays.toString(dims) + " " + type + " needs "
          + elements * type.bytes + " bytes, got " + data.length);
    }
    this.data = data.clone();
  }

  /** A tensor of {@code values}, stored as {@code type}. */
  public static SampleTensor of(String name, Type type, long[] dims, long... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * type.bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      if (type == Type.INT32) {
        b.putInt(Math.toIntExact(v));
      } else {
        b.putLong(v);
      }
    }
    return new SampleTensor(name, type, dims, b.array());
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  /** The shape without the batch dimension. */
  public long[] dims() {
    return dims.clone();
  }

  public int elementCount() {
    return data.length / type.bytes;
  }

  /** The elements, little-endian. */
  public byte[] data() {
    return data.clone();
  }

  /** Element {@code i} as a long. */
  public long element(int i) {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    return type == Type.INT32 ? b.getInt(i * 4) : b.getLong(i * 8);
  }

  /** The shape of {@code batch} rows: {@code [batch, dims...]}. */
  public long[] batchShape(int batch) {
    long[] s = new long[dims.length + 1];
    s[0] = batch;
    System.arraycopy(dims, 0, s, 1, dims.length);
    return s;
  }

  /** {@code batch} copies of this sample's bytes, one after the other: the batched tensor's data. */
  public ByteBuffer repeated(int batch) {
    ByteBuffer b = ByteBuffer.allocateDirect(data.length * batch).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < batch; i++) {
      b.put(data);
    }
    return b.flip();
  }
}
