package io.hadron.batching;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Splits a batch's outputs back into each request's rows. Every request gets views ({@link
 * ByteBuffer#slice(int, int)}) of the engine's output buffers, never copies: a fixed-size output is
 * cut at multiples of its row size, a BYTES output by walking the length prefixes of each request's
 * elements.
 *
 * <p>Stateless.
 */
final class OutputSlicer {
  private OutputSlicer() {}

  /**
   * Sets {@link Pending#result} of every request in the batch.
   *
   * @throws HadronException.Internal when the engine's outputs do not match the batch
   */
  static void distribute(Batch batch, List<Tensor> outputs, List<String> names, String label) {
    if (outputs == null || outputs.size() != names.size()) {
      throw new HadronException.Internal(label + " returned " + (outputs == null ? "no" : outputs.size())
          + " outputs for the " + names.size() + " requested " + names, null);
    }
    Pending[] reqs = batch.requests;
    if (reqs.length == 1) {
      reqs[0].result = List.copyOf(outputs);
      return;
    }
    Tensor[][] perRequest = new Tensor[reqs.length][names.size()];
    for (int j = 0; j < names.size(); j++) {
      Tensor out = outputs.get(j);
      if (out == null || out.rank() == 0 || out.dim(0) != batch.rows) {
        throw new HadronException.Internal(label + ": output '" + names.get(j) + "' has shape "
            + (out == null ? "null" : Shapes.format(out.shape())) + " but the batch has " + batch.rows
            + " rows in its first dimension", null);
      }
      long[] shape = out.shape();
      long rowElements = 1;
      for (int d = 1; d < shape.length; d++) {
        rowElements *= shape[d];
      }
      ByteBuffer data = out.data();
      DataType type = out.datatype();
      int pos = 0;
      for (int r = 0; r < reqs.length; r++) {
        int start = pos;
        if (type.isFixedSize()) {
          pos += (int) (reqs[r].rows * rowElements * type.byteSize());
        } else {
          for (long e = reqs[r].rows * rowElements; e > 0; e--) {
            pos += 4 + data.getInt(pos);
          }
        }
        long[] s = shape.clone();
        s[0] = reqs[r].rows;
        perRequest[r][j] = new Tensor(out.name(), type, s, data.slice(start, pos - start));
      }
    }
    for (int r = 0; r < reqs.length; r++) {
      reqs[r].result = List.of(perRequest[r]);
    }
  }
}
