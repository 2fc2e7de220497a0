package io.hadron.server.http;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A raw binary request ({@code Inference-Header-Content-Length: 0}): the whole body is the data
 * of the model's only input, with no JSON header. As in Triton, the input's datatype comes from
 * the model, a batching model gets a batch of one, and the one dimension the model leaves open
 * ({@code -1}) is deduced from the byte size; every output is returned, in binary.
 *
 * <p>Stateless and thread-safe.
 */
final class RawBodyRequest {
  private RawBodyRequest() {}

  /** The request parameters that make every output come back binary. */
  static final Map<String, Object> ALL_BINARY = Map.of("binary_data_output", Boolean.TRUE);

  static InferenceRequest decode(ByteBuffer body, ModelConfig config, String model, String version) {
    if (config.inputs().size() != 1) {
      throw new HadronException.InvalidArgument("a raw binary request (Inference-Header-Content-Length: 0) needs a"
          + " model with exactly one input, but model '" + model + "' has " + config.inputs().size()
          + "; send a JSON header that names the inputs");
    }
    TensorConfig input = config.inputs().get(0);
    DataType type = input.datatype();
    long[] shape = input.shapeWithBatch(config.batched());
    if (config.batched()) {
      shape[0] = 1;
    }
    long elements = type.isFixedSize() ? -1 : countBytesElements(body, input.name());
    long[] concrete = deduce(shape, type, body.remaining(), elements, input.name());
    return new InferenceRequest(model, version, null, List.of(new Tensor(input.name(), type, concrete, body)),
        List.of(), ALL_BINARY);
  }

  /** Fills the one open dimension so that the shape holds exactly {@code bytes} (or elements). */
  private static long[] deduce(long[] shape, DataType type, long bytes, long bytesElements, String name) {
    int open = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == Shapes.DYNAMIC) {
        if (open >= 0) {
          throw new HadronException.InvalidArgument("input '" + name + "': shape " + Shapes.format(shape)
              + " has more than one open dimension, so a raw binary request cannot determine it;"
              + " send a JSON header with the shape");
        }
        open = i;
      } else {
        known = Math.multiplyExact(known, shape[i]);
      }
    }
    // For BYTES the unit is the element (counted from the length prefixes); otherwise the byte.
    long units = type.isFixedSize() ? bytes : bytesElements;
    long perUnit = type.isFixedSize() ? known * type.byteSize() : known;
    if (open < 0) {
      if (units != perUnit) {
        throw new HadronException.InvalidArgument("input '" + name + "': the raw body holds " + describe(type, bytes,
            bytesElements) + " but shape " + Shapes.format(shape) + " of " + type + " needs " + describe(type,
            perUnit, known));
      }
      return shape;
    }
    if (perUnit == 0 || units % perUnit != 0) {
      throw new HadronException.InvalidArgument("input '" + name + "': the raw body holds "
          + describe(type, bytes, bytesElements) + ", which is not a whole multiple of shape " + Shapes.format(shape)
          + " of " + type);
    }
    shape[open] = units / perUnit;
    return shape;
  }

  private static String describe(DataType type, long bytes, long elements) {
    return type.isFixedSize() ? bytes + " bytes" : elements + " BYTES elements";
  }

  /** Walks the 4-byte length prefixes; the tensor re-checks the layout when it is built. */
  private static long countBytesElements(ByteBuffer body, String name) {
    int pos = body.position();
    int end = body.limit();
    long n = 0;
    while (pos < end) {
      if (end - pos < 4) {
        throw new HadronException.InvalidArgument("input '" + name + "': the raw body ends inside the length of"
            + " BYTES element " + n);
      }
      int len = body.getInt(pos);
      if (len < 0 || len > end - pos - 4) {
        throw new HadronException.InvalidArgument("input '" + name + "': BYTES element " + n + " claims "
            + Integer.toUnsignedString(len) + " bytes but only " + (end - pos - 4) + " remain in the raw body");
      }
      pos += 4 + len;
      n++;
    }
    return n;
  }
}
