package io.hadron.core.config;

import io.hadron.core.DataType;
import io.hadron.core.Shapes;
import java.util.Arrays;
import java.util.Objects;

/**
 * An input or output as the model configuration declares it (Triton's {@code ModelInput} /
 * {@code ModelOutput} subset). When the model's {@code max_batch_size} is above zero, {@code dims}
 * excludes the batch dimension, as in Triton. {@code -1} marks a dimension of any size.
 *
 * <p>Immutable.
 */
public record TensorConfig(String name, DataType datatype, long[] dims, boolean optional) {
  public TensorConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must not be empty");
    }
    dims = dims.clone();
    for (long d : dims) {
      if (d < Shapes.DYNAMIC) {
        throw new IllegalArgumentException("tensor '" + name + "': dims " + Arrays.toString(dims)
            + " may hold only sizes >= 0 or -1 (any)");
      }
    }
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  /** The full shape a client sees: dims, preceded by {@code -1} when the model batches. */
  public long[] shapeWithBatch(boolean batched) {
    if (!batched) {
      return dims.clone();
    }
    long[] s = new long[dims.length + 1];
    s[0] = Shapes.DYNAMIC;
    System.arraycopy(dims, 0, s, 1, dims.length);
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorConfig t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(dims, t.dims)
        && optional == t.optional;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(dims), optional);
  }

  @Override
  public String toString() {
    return name + ":" + datatype + Arrays.toString(dims) + (optional ? "?" : "");
  }
}
