package io.hadron.server.http;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;

/**
 * The binary part of a request that uses the binary tensor data extension: the bytes after the
 * JSON header, handed out in input order to the inputs that declare {@code binary_data_size}.
 * Each input becomes a slice of the request body itself, so its data is never copied again.
 *
 * <p>Every size is checked against the body before a slice is taken: a {@code binary_data_size}
 * that disagrees with the input's shape and datatype, one that runs past the end of the body, and
 * bytes left over after the last binary input are each a 400 naming the input and the numbers.
 *
 * <p>Confined to one request's decode.
 */
final class BinarySection {
  private final ByteBuffer body;
  private final int start;
  private int next;

  /**
   * @param body the whole request body, position 0
   * @param headerLength the length of the JSON header; binary data starts right after it
   */
  BinarySection(ByteBuffer body, int headerLength) {
    this.body = body;
    this.start = headerLength;
    this.next = headerLength;
  }

  /** Takes the next {@code size} bytes as the data of input {@code name}. */
  Tensor take(String name, DataType type, long[] shape, long size) {
    long count = Shapes.elementCount(shape);
    if (type.isFixedSize()) {
      long needed = count * type.byteSize();
      if (count > Integer.MAX_VALUE || needed != size) {
        throw new HadronException.InvalidArgument("input '" + name + "': binary_data_size " + size
            + " does not match shape " + Shapes.format(shape) + " of " + type + ", which needs "
            + (count > Long.MAX_VALUE / 8 ? "more than 2^63" : Long.toString(needed)) + " bytes");
      }
    } else if (size < 4L * count) {
      throw new HadronException.InvalidArgument("input '" + name + "': binary_data_size " + size
          + " cannot hold " + count + " BYTES elements, each needs at least a 4-byte length");
    }
    int remaining = body.limit() - next;
    if (size > remaining) {
      throw new HadronException.InvalidArgument("input '" + name + "': binary_data_size " + size
          + " runs past the end of the request body; only " + remaining + " bytes of binary data remain"
          + (next == start ? "" : " after the inputs before it"));
    }
    ByteBuffer slice = body.slice(next, (int) size);
    next += (int) size;
    // For BYTES the tensor checks the length prefixes against the shape itself.
    return new Tensor(name, type, shape, slice);
  }

  /** Fails when binary data is left over once every input has taken its part. */
  void finish() {
    int left = body.limit() - next;
    if (left > 0) {
      throw new HadronException.InvalidArgument(left + " bytes of binary data are left over after "
          + (next == start ? "the JSON header, but no input declares binary_data_size"
              : "the last binary input; the binary_data_size values add up to " + (next - start)));
    }
  }
}
