package io.hadron.server.http;

import io.hadron.core.InferenceRequest;
import io.hadron.core.InferenceResponse;
import io.hadron.core.RequestedOutput;
import io.hadron.core.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Which outputs of a request come back as binary tensor data, and the response body that carries
 * them: the JSON header followed by each binary output's bytes, in output order.
 *
 * <p>A request asks with {@code binary_data_output: true} (every output) and per output with
 * {@code binary_data}; the per-output setting wins either way. The body is a composite over the
 * output tensors' own direct buffers: their bytes are not copied into the response, and since
 * every part is direct the socket write gathers them as they are.
 *
 * <p>Immutable.
 */
final class BinaryOutputs {
  /** Media type of a response that carries binary tensor data. */
  static final String OCTET_STREAM = "application/octet-stream";

  private final boolean all;
  private final Map<String, Boolean> perOutput;

  private BinaryOutputs(boolean all, Map<String, Boolean> perOutput) {
    this.all = all;
    this.perOutput = perOutput;
  }

  /** Reads the request's choice; parameter types were checked when the request was decoded. */
  static BinaryOutputs of(InferenceRequest request) {
    boolean all = Boolean.TRUE.equals(request.parameters().get("binary_data_output"));
    Map<String, Boolean> perOutput = new HashMap<>();
    for (RequestedOutput o : request.outputs()) {
      if (o.parameters().get("binary_data") instanceof Boolean b) {
        perOutput.put(o.name(), b);
      }
    }
    return new BinaryOutputs(all, perOutput);
  }

  boolean binary(Tensor t) {
    return perOutput.getOrDefault(t.name(), all);
  }

  boolean any(InferenceResponse r) {
    for (Tensor t : r.outputs()) {
      if (binary(t)) {
        return true;
      }
    }
    return false;
  }

  /** A response body with its JSON header length. */
  record Body(Buffer buffer, int headerLength) {}

  Body encode(InferenceResponse r) {
    byte[] header = JsonWriter.inferResponse(r, this::binary);
    // Direct like the tensors, so that the composite is direct as a whole and is written to the
    // socket without being gathered into a fresh buffer first (the header is small).
    ByteBuffer directHeader = ByteBuffer.allocateDirect(header.length).put(header).flip();
    int parts = 1 + r.outputs().size();
    // Built by constructor, not through an allocator: nothing here holds pooled or native memory
    // that needs releasing (the JDK frees direct buffers when they become unreachable), and the
    // allocators' leak tracking would flag the composite, which Vert.x never releases.
    CompositeByteBuf body = new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, true, parts);
    body.addComponent(true, Unpooled.wrappedBuffer(directHeader));
    for (Tensor t : r.outputs()) {
      if (binary(t)) {
        ByteBuf data = Unpooled.wrappedBuffer(t.data());
        body.addComponent(true, data);
      }
    }
    return new Body(BufferInternal.buffer(body), header.length);
  }
}
