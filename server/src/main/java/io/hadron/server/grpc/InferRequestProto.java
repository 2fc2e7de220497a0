package io.hadron.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.RequestedOutput;
import io.hadron.core.Shapes;
import io.hadron.core.Tensor;
import io.hadron.server.grpc.proto.GrpcService.InferParameter;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferRequestedOutputTensor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a {@code ModelInferRequest} into an {@link InferenceRequest}.
 *
 * <p>Raw contents are parsed with aliasing: the protobuf {@code bytes} of {@code raw_input_contents}
 * stay views of the received message instead of being copied out by the parser, and each input's
 * bytes are then copied once, into one direct buffer shared by all raw inputs of the request. A
 * request carries its data either all raw (one entry per input, in input order) or all typed (in
 * each input's {@code contents}), never both.
 *
 * <p>Stateless and thread-safe.
 */
final class InferRequestProto {
  private InferRequestProto() {}

  /** Parses the message so that its {@code bytes} fields alias {@code payload}. */
  static ModelInferRequest parse(Buffer payload) throws InvalidProtocolBufferException {
    ByteBuffer nio = ((BufferInternal) payload).getByteBuf().nioBuffer();
    CodedInputStream in = CodedInputStream.newInstance(nio);
    in.enableAliasing(true);
    return ModelInferRequest.parser().parseFrom(in);
  }

  static InferenceRequest decode(ModelInferRequest m) {
    if (m.getModelName().isEmpty()) {
      throw new HadronException.InvalidArgument("model_name is empty");
    }
    int raw = m.getRawInputContentsCount();
    if (raw > 0 && raw != m.getInputsCount()) {
      throw new HadronException.InvalidArgument("raw_input_contents has " + raw + " entries but the request has "
          + m.getInputsCount() + " inputs; give one entry per input, in input order");
    }
    List<Tensor> inputs = raw > 0 ? rawInputs(m) : typedInputs(m);
    List<RequestedOutput> outputs = new ArrayList<>(m.getOutputsCount());
    for (InferRequestedOutputTensor o : m.getOutputsList()) {
      String label = "requested output '" + o.getName() + "'";
      Map<String, Object> params = parameters(o.getParametersMap(), label);
      if (params.containsKey("classification")) {
        throw new HadronException.Unsupported(label + ": parameter 'classification' (the classification extension)"
            + " is not supported; request the raw output and rank it on the client");
      }
      refuseSharedMemory(params, label);
      outputs.add(new RequestedOutput(o.getName(), params));
    }
    return new InferenceRequest(m.getModelName(), m.getModelVersion().isEmpty() ? null : m.getModelVersion(),
        m.getId().isEmpty() ? null : m.getId(), inputs, outputs, parameters(m.getParametersMap(), "request"));
  }

  private static List<Tensor> rawInputs(ModelInferRequest m) {
    long total = 0;
    for (int i = 0; i < m.getInputsCount(); i++) {
      InferInputTensor in = m.getInputs(i);
      if (in.hasContents()) {
        throw new HadronException.InvalidArgument("input '" + in.getName() + "' has typed contents, but the request"
            + " also carries raw_input_contents; send every input one way or the other");
      }
      total += m.getRawInputContents(i).size();
    }
    if (total > Integer.MAX_VALUE) {
      throw new HadronException.InvalidArgument("raw_input_contents add up to more than 2 GiB");
    }
    // One allocation for the request; each input is a slice of it.
    ByteBuffer all = ByteBuffer.allocateDirect((int) total).order(ByteOrder.LITTLE_ENDIAN);
    List<Tensor> inputs = new ArrayList<>(m.getInputsCount());
    for (int i = 0; i < m.getInputsCount(); i++) {
      InferInputTensor in = m.getInputs(i);
      String name = checkedName(in, i);
      DataType type = datatype(in, name);
      long[] shape = shape(in, name);
      ByteString bytes = m.getRawInputContents(i);
      if (type.isFixedSize()) {
        long needed = Shapes.elementCount(shape) * type.byteSize();
        if (needed != bytes.size()) {
          throw new HadronException.InvalidArgument("input '" + name + "': raw_input_contents[" + i + "] holds "
              + bytes.size() + " bytes but shape " + Shapes.format(shape) + " of " + type + " needs " + needed);
        }
      }
      ByteBuffer slice = all.slice(all.position(), bytes.size()).order(ByteOrder.LITTLE_ENDIAN);
      bytes.copyTo(slice);
      all.position(all.position() + bytes.size());
      // BYTES: the tensor checks the 4-byte length prefixes against the shape.
      inputs.add(new Tensor(name, type, shape, slice.flip()));
    }
    return inputs;
  }

  private static List<Tensor> typedInputs(ModelInferRequest m) {
    List<Tensor> inputs = new ArrayList<>(m.getInputsCount());
    for (int i = 0; i < m.getInputsCount(); i++) {
      InferInputTensor in = m.getInputs(i);
      String name = checkedName(in, i);
      DataType type = datatype(in, name);
      long[] shape = shape(in, name);
      if (!in.hasContents()) {
        throw new HadronException.InvalidArgument("input '" + name + "' has no data: give it contents, or send every"
            + " input in raw_input_contents");
      }
      inputs.add(TypedContents.read(name, type, shape, in.getContents()));
    }
    return inputs;
  }

  private static String checkedName(InferInputTensor in, int index) {
    if (in.getName().isEmpty()) {
      throw new HadronException.InvalidArgument("input " + index + " has no name");
    }
    refuseSharedMemory(parameters(in.getParametersMap(), "input '" + in.getName() + "'"),
        "input '" + in.getName() + "'");
    return in.getName();
  }

  private static DataType datatype(InferInputTensor in, String name) {
    try {
      return DataType.fromWireName(in.getDatatype());
    } catch (HadronException e) {
      throw new HadronException.InvalidArgument("input '" + name + "': " + e.getMessage(), e);
    }
  }

  private static long[] shape(InferInputTensor in, String name) {
    long[] shape = new long[in.getShapeCount()];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = in.getShape(d);
      if (shape[d] < 0) {
        throw new HadronException.InvalidArgument("input '" + name + "': shape dimension " + d + " is negative ("
            + shape[d] + ")");
      }
    }
    return shape;
  }

  private static void refuseSharedMemory(Map<String, Object> params, String label) {
    for (String key : params.keySet()) {
      if (key.startsWith("shared_memory_")) {
        throw new HadronException.Unsupported(label + ": parameter '" + key + "' (the shared-memory extensions)"
            + " is not supported; send the tensor data in the request");
      }
    }
  }

  /** Protocol parameters as core expects them: String, Long, Double or Boolean values. */
  static Map<String, Object> parameters(Map<String, InferParameter> given, String label) {
    if (given.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, InferParameter> e : given.entrySet()) {
      InferParameter p = e.getValue();
      Object value = switch (p.getParameterChoiceCase()) {
        case BOOL_PARAM -> p.getBoolParam();
        case INT64_PARAM -> p.getInt64Param();
        case STRING_PARAM -> p.getStringParam();
        case DOUBLE_PARAM -> p.getDoubleParam();
        case UINT64_PARAM -> {
          if (p.getUint64Param() < 0) {
            throw new HadronException.InvalidArgument(label + ": parameter '" + e.getKey() + "' ("
                + Long.toUnsignedString(p.getUint64Param()) + ") is out of range");
          }
          yield p.getUint64Param();
        }
        case PARAMETERCHOICE_NOT_SET -> throw new HadronException.InvalidArgument(label + ": parameter '"
            + e.getKey() + "' has no value");
      };
      out.put(e.getKey(), value);
    }
    return out;
  }
}
