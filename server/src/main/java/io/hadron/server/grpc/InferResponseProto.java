package io.hadron.server.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.hadron.core.InferenceResponse;
import io.hadron.core.Tensor;
import io.hadron.server.grpc.proto.GrpcService.InferParameter;
import io.hadron.server.grpc.proto.GrpcService.ModelInferResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelInferResponse.InferOutputTensor;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Encodes an {@link InferenceResponse} as a serialized {@code ModelInferResponse} whose outputs'
 * data travel in {@code raw_output_contents}, as Triton's clients expect.
 *
 * <p>The output bytes are not serialized through protobuf: the message is encoded without them,
 * then each output is appended as one {@code raw_output_contents} field (its tag, its length and,
 * by reference, the tensor's own buffer). Field 6 is the message's last field, so the bytes are
 * exactly those protobuf would write, and the tensors are copied only when the frame is written.
 *
 * <p>Stateless and thread-safe.
 */
final class InferResponseProto {
  /** A protobuf tag: the field number, then the 3-bit wire type (length-delimited for bytes). */
  private static final int RAW_OUTPUT_TAG =
      ModelInferResponse.RAW_OUTPUT_CONTENTS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private InferResponseProto() {}

  /** The response without its raw contents: names, datatypes, shapes. */
  static ModelInferResponse metadata(InferenceResponse r) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(r.modelName())
        .setModelVersion(r.modelVersion());
    if (r.id() != null) {
      b.setId(r.id());
    }
    for (Map.Entry<String, Object> e : r.parameters().entrySet()) {
      b.putParameters(e.getKey(), parameter(e.getValue()));
    }
    for (Tensor t : r.outputs()) {
      InferOutputTensor.Builder o = b.addOutputsBuilder().setName(t.name()).setDatatype(t.datatype().wireName());
      for (long d : t.shape()) {
        o.addShape(d);
      }
    }
    return b.build();
  }

  static Buffer encode(InferenceResponse r) {
    byte[] head = metadata(r).toByteArray();
    CompositeByteBuf out = new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, 1 + 2 * r.outputs().size());
    out.addComponent(true, Unpooled.wrappedBuffer(head));
    for (Tensor t : r.outputs()) {
      int size = t.byteSize();
      byte[] prefix = new byte[CodedOutputStream.computeUInt32SizeNoTag(RAW_OUTPUT_TAG)
          + CodedOutputStream.computeUInt32SizeNoTag(size)];
      CodedOutputStream cos = CodedOutputStream.newInstance(prefix);
      try {
        cos.writeUInt32NoTag(RAW_OUTPUT_TAG);
        cos.writeUInt32NoTag(size);
        cos.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.addComponent(true, Unpooled.wrappedBuffer(prefix));
      out.addComponent(true, Unpooled.wrappedBuffer(t.data()));
    }
    return BufferInternal.buffer(out);
  }

  static InferParameter parameter(Object v) {
    return switch (v) {
      case Boolean b -> InferParameter.newBuilder().setBoolParam(b).build();
      case Long l -> InferParameter.newBuilder().setInt64Param(l).build();
      case Integer i -> InferParameter.newBuilder().setInt64Param(i).build();
      case Double d -> InferParameter.newBuilder().setDoubleParam(d).build();
      default -> InferParameter.newBuilder().setStringParam(String.valueOf(v)).build();
    };
  }
}
