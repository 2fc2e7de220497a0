package io.hadron.backend.pytorch;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.ModelInstance;
import io.hadron.core.spi.Placement;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One copy of a model (its own DJL {@link Model} and native memory) serving as one execution slot.
 *
 * <p>Each call runs the block directly, {@code block.forward(parameters, inputs, false)}, without a
 * DJL translator. Inputs on the CPU are wrapped without copying (libtorch's {@code from_blob} over
 * the direct buffers; the caller keeps them alive for the call); on a GPU they are copied to the
 * device. Every output is copied once into a new direct little-endian buffer that the caller owns,
 * so an output is never a view of an input or of engine memory. Everything native a call creates
 * lives in a sub-manager closed when the call returns.
 *
 * <p>Confined to the instance's thread, as {@link ModelInstance} promises.
 */
final class PtModelInstance implements ModelInstance {
  private final String name;
  private final Model model;
  private final Block block;
  private final NDManager manager;
  private final ParameterStore parameters;
  private final Placement placement;
  private final Signature signature;
  private final Map<String, Integer> outputPositions;
  private final Map<String, TensorConfig> inputsByName = new HashMap<>();
  private final boolean batched;
  private final AtomicBoolean modelClosed;

  PtModelInstance(String name, Model model, Placement placement, Signature signature, boolean batched,
      AtomicBoolean modelClosed) {
    this.name = name;
    this.model = model;
    this.block = model.getBlock();
    this.manager = model.getNDManager();
    this.parameters = new ParameterStore(manager, false);
    this.placement = placement;
    this.signature = signature;
    this.outputPositions = signature.outputPositions();
    this.batched = batched;
    this.modelClosed = modelClosed;
    signature.inputs().forEach(t -> inputsByName.put(t.name(), t));
  }

  @Override
  public String device() {
    return placement.device();
  }

  @Override
  public List<Tensor> execute(List<Tensor> inputs, List<String> outputNames) {
    if (modelClosed.get()) {
      throw new HadronException.Unavailable("model '" + name + "' has been unloaded");
    }
    if (outputNames.isEmpty()) {
      throw new HadronException.InvalidArgument("model '" + name + "': no outputs requested");
    }
    for (String out : outputNames) {
      if (!outputPositions.containsKey(out)) {
        throw new HadronException.InvalidArgument("model '" + name + "': unknown output '" + out
            + "'; the model's outputs are " + outputPositions.keySet());
      }
    }
    Map<String, Tensor> given = new HashMap<>();
    for (Tensor t : inputs) {
      TensorConfig declared = inputsByName.get(t.name());
      if (declared == null) {
        throw new HadronException.InvalidArgument("model '" + name + "': unknown input '" + t.name()
            + "'; the model's inputs are " + inputsByName.keySet());
      }
      if (t.datatype() != declared.datatype()) {
        throw new HadronException.InvalidArgument("model '" + name + "': input '" + t.name() + "' is "
            + t.datatype().wireName() + " but the model takes " + declared.datatype().wireName());
      }
      if (given.put(t.name(), t) != null) {
        throw new HadronException.InvalidArgument("model '" + name + "': input '" + t.name() + "' given twice");
      }
    }
    // Inputs are wrapped on the CPU (from_blob needs host memory), then moved if the model is not.
    try (NDManager call = manager.newSubManager(Device.cpu())) {
      NDList feed = new NDList(signature.inputs().size());
      long batch = -1;
      for (TensorConfig declared : signature.inputs()) {
        Tensor t = given.get(declared.name());
        if (t == null) {
          throw new HadronException.InvalidArgument(
              "model '" + name + "': input '" + declared.name() + "' is required but missing");
        }
        if (batched && batch < 0 && t.rank() > 0) {
          batch = t.dim(0);
        }
        feed.add(toEngine(call, t));
      }
      NDList result = run(feed);
      result.attach(call);
      if (result.size() < signature.outputs().size()) {
        throw new HadronException.Internal("model '" + name + "' returned " + result.size()
            + " tensor(s) but the configuration declares " + signature.outputs().size() + " outputs "
            + signature.outputs().stream().map(TensorConfig::name).toList(), null);
      }
      List<Tensor> out = new ArrayList<>(outputNames.size());
      for (String outName : outputNames) {
        int at = outputPositions.get(outName);
        out.add(fromEngine(signature.outputs().get(at), result.get(at), batch));
      }
      return out;
    }
  }

  private NDList run(NDList feed) {
    try {
      return block.forward(parameters, feed, false);
    } catch (RuntimeException e) {
      // Engine failures arrive as ai.djl.engine.EngineException carrying libtorch's message.
      throw new HadronException.Internal("model '" + name + "': PyTorch failed: " + e.getMessage(), e);
    }
  }

  private NDArray toEngine(NDManager call, Tensor t) {
    NDArray a = call.create(t.data(), new Shape(t.shape()), TensorTypes.toDjl(t.datatype()));
    return placement.isGpu() ? a.toDevice(PyTorchBackend.djlDevice(placement), false) : a;
  }

  private Tensor fromEngine(TensorConfig declared, NDArray a, long batch) {
    DataType type = TensorTypes.fromDjl(a.getDataType());
    long[] shape = a.getShape().getShape();
    long[] expected = declared.shapeWithBatch(batched);
    if (batched && batch >= 0 && expected.length > 0) {
      expected[0] = batch;
    }
    if (type != declared.datatype() || !Shapes.matches(expected, shape)) {
      throw new HadronException.Internal("model '" + name + "': output '" + declared.name() + "' came "
          + "back as " + (type == null ? a.getDataType().toString() : type.configName()) + " "
          + Shapes.format(shape) + " but the configuration declares " + declared.datatype().configName()
          + " " + Shapes.format(expected) + (batched ? " (batch dimension first)" : ""), null);
    }
    long bytes = Shapes.elementCount(shape) * type.byteSize();
    if (bytes > Integer.MAX_VALUE) {
      throw new HadronException.Internal("model '" + name + "': output '" + declared.name() + "' is "
          + bytes + " bytes, more than one buffer holds", null);
    }
    ByteBuffer copy = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes > 0) {
      NDArray host = a.getDevice().isGpu() ? a.toDevice(Device.cpu(), false) : a;
      // A direct view of libtorch's memory when the tensor is contiguous; copied once, here.
      ByteBuffer src = host.toByteBuffer(true);
      copy.put(src.duplicate().clear().limit((int) bytes));
      copy.flip();
    }
    return new Tensor(declared.name(), type, shape, copy);
  }
}
