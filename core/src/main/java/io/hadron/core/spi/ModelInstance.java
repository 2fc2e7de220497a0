package io.hadron.core.spi;

import io.hadron.core.Tensor;
import java.util.List;

/**
 * One execution slot of a loaded model: a session (or copy of the model) that runs one batch at a
 * time.
 *
 * <p>Confined: the server calls {@link #execute} from the instance's own thread only, one call at a
 * time, so an implementation needs no locking of its own.
 */
public interface ModelInstance {
  /** Where this instance runs, as the metrics {@code device} label spells it ("cpu", "gpu0"). */
  String device();

  /**
   * Runs the model once.
   *
   * @param inputs every input the model needs (optional ones may be absent), batch dimension
   *     included when the model batches; data in direct little-endian buffers
   * @param outputNames the outputs to compute, in the order they are returned
   * @return one tensor per requested output name, in that order; the caller owns the buffers,
   *     which must be fresh: never views of the inputs, whose buffers the caller reuses as soon as
   *     this method returns
   * @throws io.hadron.core.HadronException with the engine's message when execution fails
   */
  List<Tensor> execute(List<Tensor> inputs, List<String> outputNames);
}
