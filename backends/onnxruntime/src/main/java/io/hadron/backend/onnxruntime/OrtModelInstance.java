package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.core.spi.ModelInstance;
import io.hadron.core.spi.Placement;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ONNX Runtime session serving as one execution slot.
 *
 * <p>Inputs are handed to ONNX Runtime without copying (see {@link TensorBridge}). Outputs are
 * <em>preallocated</em> when their shape can be predicted from the inputs ({@link OutputShapes}):
 * a direct little-endian buffer is allocated here and pinned as the output, ONNX Runtime writes
 * the result straight into it, and that buffer becomes the returned tensor's data, so such an
 * output is never copied. Other outputs (unpredictable shapes, strings, UINT16/32/64, which the Java
 * API cannot pin with the right element type) are allocated by ONNX Runtime and copied out.
 *
 * <p>A prediction that turns out wrong (a model whose metadata does not match what it computes)
 * makes ONNX Runtime fail the run. The run is then repeated once with nothing preallocated; if
 * that succeeds, this instance stops preallocating for good. A run that fails for any other reason
 * therefore runs twice on an instance that preallocates; failures are rare enough for that.
 *
 * <p>Confined to the instance's thread, as {@link ModelInstance} promises; {@code preallocate} is
 * a plain field for that reason.
 */
final class OrtModelInstance implements ModelInstance {
  private static final System.Logger LOG = System.getLogger(OrtModelInstance.class.getName());

  private final String model;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Placement placement;
  private final boolean batched;
  private final Map<String, ModelSignature.Io> inputs = new LinkedHashMap<>();
  private final Map<String, ModelSignature.Io> outputs = new LinkedHashMap<>();
  private final AtomicBoolean modelClosed;
  private boolean preallocate;

  OrtModelInstance(
      String model,
      OrtEnvironment env,
      OrtSession session,
      Placement placement,
      ModelSignature signature,
      boolean batched,
      boolean preallocate,
      AtomicBoolean modelClosed) {
    this.model = model;
    this.env = env;
    this.session = session;
    this.placement = placement;
    this.batched = batched;
    this.preallocate = preallocate;
    this.modelClosed = modelClosed;
    signature.inputs().forEach(io -> inputs.put(io.name(), io));
    signature.outputs().forEach(io -> outputs.put(io.name(), io));
  }

  @Override
  public String device() {
    return placement.device();
  }

  @Override
  public List<Tensor> execute(List<Tensor> inputTensors, List<String> outputNames) {
    if (modelClosed.get()) {
      throw new HadronException.Unavailable("model '" + model + "' has been unloaded");
    }
    if (outputNames.isEmpty()) {
      throw new HadronException.InvalidArgument("model '" + model + "': no outputs requested");
    }
    Set<String> wanted = new LinkedHashSet<>(outputNames);
    for (String name : wanted) {
      requireOutput(name);
    }
    Map<String, OnnxTensor> feeds = new HashMap<>();
    Map<String, Pinned> pinned = new HashMap<>();
    try {
      for (Tensor t : inputTensors) {
        requireInput(t, feeds);
        feeds.put(t.name(), TensorBridge.toOrt(env, t));
      }
      for (String name : inputs.keySet()) {
        if (!feeds.containsKey(name)) {
          throw new HadronException.InvalidArgument(
              "model '" + model + "': input '" + name + "' is required but missing");
        }
      }
      if (preallocate) {
        pin(inputTensors, wanted, pinned);
      }
      try (OrtSession.Result result = run(feeds, wanted, pinned)) {
        Map<String, Tensor> byName = new HashMap<>();
        for (String name : wanted) {
          Pinned p = pinned.get(name);
          byName.put(name, p != null ? p.toTensor(name) : copyOut(name, result));
        }
        List<Tensor> out = new ArrayList<>(outputNames.size());
        for (String name : outputNames) {
          out.add(byName.get(name));
        }
        return out;
      }
    } catch (OrtException e) {
      throw Ort.runFailure(model, e);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // The Java API's own checks (a closed session or environment, a buffer it cannot take).
      throw new HadronException.Internal("model '" + model + "': ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      closeAll(feeds.values());
      pinned.values().forEach(p -> p.tensor.close());
    }
  }

  /**
   * Runs with the outputs in {@code pinned} preallocated and the rest of {@code wanted} allocated by
   * ONNX Runtime. On failure with pins, retries once without them (emptying {@code pinned}).
   */
  private OrtSession.Result run(
      Map<String, OnnxTensor> feeds, Set<String> wanted, Map<String, Pinned> pinned) throws OrtException {
    if (pinned.isEmpty()) {
      return session.run(feeds, wanted);
    }
    Set<String> allocated = new LinkedHashSet<>(wanted);
    allocated.removeAll(pinned.keySet());
    Map<String, OnnxTensor> pins = new HashMap<>();
    pinned.forEach((name, p) -> pins.put(name, p.tensor));
    try {
      return session.run(feeds, allocated, pins);
    } catch (OrtException first) {
      pinned.values().forEach(p -> p.tensor.close());
      pinned.clear();
      OrtSession.Result result;
      try {
        result = session.run(feeds, wanted);
      } catch (OrtException second) {
        second.addSuppressed(first);
        throw second;
      }
      preallocate = false;
      LOG.log(Level.WARNING, "model ''{0}'' ({1}): a run with preallocated outputs failed and the same "
          + "run without them succeeded, so the model''s output metadata does not match what it "
          + "computes; this instance no longer preallocates outputs. ONNX Runtime said: {2}",
          model, device(), Ort.message(first));
      return result;
    }
  }

  private void pin(List<Tensor> inputTensors, Set<String> wanted, Map<String, Pinned> pinned)
      throws OrtException {
    OutputShapes shapes = OutputShapes.of(inputTensors, inputs, batched);
    for (String name : wanted) {
      ModelSignature.Io io = outputs.get(name);
      DataType type = io.datatype();
      if (type == DataType.BYTES || !OrtTypes.feedable(type)) {
        continue;
      }
      long[] shape = shapes.predict(io);
      if (shape == null) {
        continue;
      }
      long bytes = Shapes.elementCount(shape) * type.byteSize();
      if (bytes == 0 || bytes > Integer.MAX_VALUE) {
        continue;
      }
      ByteBuffer buffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      OnnxTensor tensor = OnnxTensor.createTensor(env, buffer, shape, OrtTypes.javaType(type));
      pinned.put(name, new Pinned(type, shape, buffer, tensor));
    }
  }

  private Tensor copyOut(String name, OrtSession.Result result) throws OrtException {
    OnnxValue value = result.get(name).orElseThrow(() ->
        new HadronException.Internal("model '" + model + "': ONNX Runtime returned no '" + name + "'", null));
    if (!(value instanceof OnnxTensor tensor)) {
      throw new HadronException.Internal(
          "model '" + model + "': output '" + name + "' came back as " + value.getType()
              + ", not a tensor", null);
    }
    return TensorBridge.fromOrt(name, outputs.get(name).datatype(), tensor);
  }

  private void requireOutput(String name) {
    ModelSignature.Io io = outputs.get(name);
    if (io == null) {
      throw new HadronException.InvalidArgument("model '" + model + "': unknown output '" + name
          + "'; the model's outputs are " + outputs.keySet());
    }
    if (!io.supported()) {
      throw new HadronException.Unsupported(
          "model '" + model + "': output '" + name + "' is " + io.unsupported());
    }
  }

  private void requireInput(Tensor t, Map<String, OnnxTensor> feeds) {
    ModelSignature.Io io = inputs.get(t.name());
    if (io == null) {
      throw new HadronException.InvalidArgument("model '" + model + "': unknown input '" + t.name()
          + "'; the model's inputs are " + inputs.keySet());
    }
    if (feeds.containsKey(t.name())) {
      throw new HadronException.InvalidArgument(
          "model '" + model + "': input '" + t.name() + "' given twice");
    }
    if (t.datatype() != io.datatype()) {
      throw new HadronException.InvalidArgument("model '" + model + "': input '" + t.name() + "' is "
          + t.datatype().wireName() + " but the model takes " + io.datatype().wireName());
    }
  }

  private static void closeAll(Iterable<? extends OnnxTensor> tensors) {
    for (OnnxTensor t : tensors) {
      t.close();
    }
  }

  /** An output buffer handed to ONNX Runtime before the run. */
  private record Pinned(DataType type, long[] shape, ByteBuffer buffer, OnnxTensor tensor) {
    Tensor toTensor(String name) {
      return new Tensor(name, type, shape, buffer);
    }
  }
}
