package io.hadron.server.http;

import io.hadron.core.HadronException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads an inference request body straight into the buffer it will be decoded from, in place of a
 * generic body handler, so that binary tensor data is copied once on its way in: from each network
 * chunk into one direct, little-endian buffer whose slices then become the input tensors.
 *
 * <p>Vert.x hands chunks over as heap buffers (it copies them out of its pooled socket buffers so a
 * handler may keep them); copying those chunks into the final buffer is the single copy left. A
 * body with a known length (Content-Length and no compression) is read into a buffer of exactly
 * that size; otherwise the buffer doubles as needed, up to the request limit. Bodies without binary
 * tensor data (plain JSON) go to a heap buffer instead, since the JSON parser reads arrays.
 *
 * <p>Gzip and deflate bodies arrive already inflated (the HTTP server decompresses them); the
 * limit applies to the inflated size. Confined to the request's event loop.
 */
final class RequestBody implements Handler<Buffer> {
  private final RoutingContext ctx;
  private final long limit;
  private final boolean direct;
  private final Handler<ByteBuffer> onBody;
  private ByteBuffer buf;
  private boolean failed;

  private RequestBody(RoutingContext ctx, long limit, boolean direct, long expected, Handler<ByteBuffer> onBody) {
    this.ctx = ctx;
    this.limit = limit;
    this.direct = direct;
    this.onBody = onBody;
    // Known length: exact; unknown: start small, chunks are rarely over 64 KiB each.
    this.buf = allocate(expected >= 0 ? (int) expected : (int) Math.min(limit, 64 * 1024));
  }

  /**
   * Reads the whole body, then calls {@code onBody} with it (position 0, limit = body length). A
   * body over {@code limit} fails the context with 413 and is discarded as it arrives.
   *
   * @param direct true to read into a direct buffer (binary tensor data), false for a heap one
   */
  static void read(RoutingContext ctx, long limit, boolean direct, Handler<ByteBuffer> onBody) {
    HttpServerRequest request = ctx.request();
    String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
      // The server inflates gzip and deflate and removes the header; whatever remains is unknown.
      throw new HadronException.InvalidArgument("Content-Encoding '" + encoding
          + "' is not supported; send the body uncompressed, gzip or deflate");
    }
    long expected = contentLength(request);
    if (expected > limit) {
      ctx.fail(413);
      return;
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
    RequestBody reader = new RequestBody(ctx, limit, direct, expected, onBody);
    request.handler(reader).endHandler(v -> reader.end()).exceptionHandler(e -> reader.drop()).resume();
  }

  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(value.trim());
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      // The HTTP codec has validated the framing already; an odd value only loses the size hint.
      return -1;
    }
  }

  private ByteBuffer allocate(int capacity) {
    return (direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void handle(Buffer chunk) {
    if (failed) {
      return;
    }
    int n = chunk.length();
    if ((long) buf.position() + n > limit) {
      failed = true;
      buf = null;
      ctx.fail(413);
      return;
    }
    if (buf.remaining() < n) {
      long wanted = Math.max((long) buf.capacity() * 2, (long) buf.position() + n);
      ByteBuffer bigger = allocate((int) Math.min(wanted, limit));
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
    // The one copy: from the chunk's bytes into the body buffer, without an intermediate array.
    ((BufferInternal) chunk).getByteBuf().getBytes(0, buf.slice(buf.position(), n));
    buf.position(buf.position() + n);
  }

  private void end() {
    if (failed) {
      return;
    }
    ByteBuffer body = buf.flip();
    buf = null;
    onBody.handle(body);
  }

  /** The connection failed mid-body: nobody will read an answer, and the buffer goes to the GC. */
  private void drop() {
    failed = true;
    buf = null;
  }
}
