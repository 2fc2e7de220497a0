package io.hadron.server.http;

import io.hadron.core.HadronException;
import java.util.Map;

/**
 * The protocol parameters the HTTP front end acts on or refuses by name: the binary tensor data
 * extension's {@code binary_data_size}, {@code binary_data} and {@code binary_data_output}, and
 * Triton's classification and shared-memory extensions, which Hadron does not offer.
 *
 * <p>Stateless and thread-safe.
 */
final class Parameters {
  private Parameters() {}

  /** The input's {@code binary_data_size}, or null when it has none. */
  static Long binaryDataSize(Map<String, Object> params, String label) {
    Object v = params.get("binary_data_size");
    if (v == null) {
      return null;
    }
    if (!(v instanceof Long size) || size < 0) {
      throw new HadronException.InvalidArgument(label + ": parameter 'binary_data_size' must be a non-negative"
          + " integer, got " + v);
    }
    return size;
  }

  static void checkBoolean(Map<String, Object> params, String key, String label) {
    Object v = params.get(key);
    if (v != null && !(v instanceof Boolean)) {
      throw new HadronException.InvalidArgument(label + ": parameter '" + key + "' must be true or false, got " + v);
    }
  }

  static void refuseClassification(Map<String, Object> params, String label) {
    if (params.containsKey("classification")) {
      throw new HadronException.Unsupported(label + ": parameter 'classification' (the classification extension)"
          + " is not supported; request the raw output and rank it on the client");
    }
  }

  static void refuseSharedMemory(Map<String, Object> params, String label) {
    for (String key : params.keySet()) {
      if (key.startsWith("shared_memory_")) {
        throw new HadronException.Unsupported(label + ": parameter '" + key + "' (the shared-memory extensions)"
            + " is not supported; send the tensor data in the request");
      }
    }
  }
}
