package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Concatenates the inputs of a batch's requests into one contiguous buffer per input, borrowed from
 * the pool. Requests in a batch are compatible (same inputs, datatypes and non-batch dimensions),
 * and a row-major tensor's rows are contiguous, so the batch tensor is the requests' bytes laid end
 * to end; for BYTES inputs the length-prefixed elements concatenate the same way.
 *
 * <p>Stateless.
 */
final class BatchAssembler {
  private BatchAssembler() {}

  /**
   * Builds the batch's input tensors, in the requests' canonical (name) order.
   *
   * @param borrowed receives each borrowed buffer at its input's index; the caller returns every
   *     non-null entry to the pool once the engine is done, including when this method throws
   * @throws HadronException.ResourceExhausted when an input would exceed what one buffer holds
   */
  static List<Tensor> assemble(Batch batch, BufferPool pool, ByteBuffer[] borrowed) {
    Pending[] reqs = batch.requests;
    Tensor[] protos = batch.head().inputs;
    Tensor[] out = new Tensor[protos.length];
    for (int i = 0; i < protos.length; i++) {
      long bytes = 0;
      for (Pending p : reqs) {
        bytes += p.inputs[i].byteSize();
      }
      if (bytes > Integer.MAX_VALUE) {
        throw new HadronException.ResourceExhausted("batched input '" + protos[i].name() + "' would need "
            + bytes + " bytes, more than one buffer holds; lower max_batch_size");
      }
      ByteBuffer buf = pool.acquire((int) bytes);
      borrowed[i] = buf;
      ByteBuffer dst = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      dst.clear().limit((int) bytes);
      for (Pending p : reqs) {
        dst.put(p.inputs[i].data());
      }
      dst.flip();
      long[] shape = protos[i].shape();
      shape[0] = batch.rows;
      out[i] = new Tensor(protos[i].name(), protos[i].datatype(), shape, dst);
    }
    return Arrays.asList(out);
  }
}
