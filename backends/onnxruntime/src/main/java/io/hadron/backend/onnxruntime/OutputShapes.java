package io.hadron.backend.onnxruntime;

import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Predicts the shapes of a run's outputs from the shapes of its inputs, so that outputs can be
 * preallocated.
 *
 * <p>A dimension of an output is known when the model fixes it; when it is symbolic and an input
 * has a dimension of the same name (ONNX gives one symbolic name one size throughout a graph, and
 * exporters name batch and sequence axes this way); or when it is the unnamed first dimension of a
 * batching model, which is the batch size by the batching contract. Any other dimension makes the
 * output's shape unknown. A name that the inputs bind to two sizes is treated as unknown too; ONNX
 * Runtime will report the conflict itself.
 *
 * <p>Confined to the thread of one run.
 */
final class OutputShapes {
  private final Map<String, Long> bound = new HashMap<>();
  private final Set<String> conflicting = new HashSet<>();
  private final long batch;

  private OutputShapes(long batch) {
    this.batch = batch;
  }

  /**
   * Learns the symbolic sizes the inputs of one run bind.
   *
   * @param batched whether the model's first dimension is the batch
   */
  static OutputShapes of(List<Tensor> inputs, Map<String, ModelSignature.Io> specs, boolean batched) {
    long batch = Shapes.DYNAMIC;
    if (batched) {
      for (Tensor t : inputs) {
        if (t.rank() == 0) {
          continue;
        }
        if (batch == Shapes.DYNAMIC) {
          batch = t.dim(0);
        } else if (batch != t.dim(0)) {
          batch = -2; // inputs disagree; predict nothing from the batch
          break;
        }
      }
    }
    OutputShapes shapes = new OutputShapes(batch);
    for (Tensor t : inputs) {
      ModelSignature.Io spec = specs.get(t.name());
      if (spec == null || spec.rank() != t.rank()) {
        continue;
      }
      for (int i = 0; i < t.rank(); i++) {
        String name = spec.dimNames()[i];
        if (spec.shape()[i] == Shapes.DYNAMIC && !name.isEmpty()) {
          shapes.bind(name, t.dim(i));
        }
      }
    }
    return shapes;
  }

  /** The shape {@code output} will have, or {@code null} when it cannot be known before the run. */
  long[] predict(ModelSignature.Io output) {
    long[] declared = output.shape();
    long[] shape = new long[declared.length];
    for (int i = 0; i < shape.length; i++) {
      if (declared[i] != Shapes.DYNAMIC) {
        shape[i] = declared[i];
        continue;
      }
      String name = output.dimNames()[i];
      Long size = name.isEmpty() || conflicting.contains(name) ? null : bound.get(name);
      if (size != null) {
        shape[i] = size;
      } else if (i == 0 && batch >= 0) {
        shape[i] = batch;
      } else {
        return null;
      }
    }
    return shape;
  }

  private void bind(String name, long size) {
    Long previous = bound.putIfAbsent(name, size);
    if (previous != null && previous != size) {
      conflicting.add(name);
    }
  }
}
