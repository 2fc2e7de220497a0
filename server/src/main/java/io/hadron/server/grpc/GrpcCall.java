package io.hadron.server.grpc;

import io.hadron.core.HadronException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcHeaderNames;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * One unary call in flight: answers it exactly once, whichever comes first of the result, an error,
 * the client's deadline, the client cancelling, or a message over the size limit.
 *
 * <p>The deadline ({@code grpc-timeout}) is enforced here rather than by Vert.x, so that a call
 * answered with DEADLINE_EXCEEDED is known to be answered, and so that an engine still holding the
 * request sees it as cancelled and skips it.
 *
 * <p>Confined to the call's event-loop context, except {@link #cancelled()}, which engine threads
 * read (hence the volatile flag).
 */
final class GrpcCall {
  private static final System.Logger LOG = System.getLogger(GrpcCall.class.getName());
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final Vertx vertx;
  private final GrpcServerRequest<Buffer, Buffer> request;
  private boolean answered;
  private volatile boolean gone;
  private long deadlineTimer = -1;

  GrpcCall(Vertx vertx, GrpcServerRequest<Buffer, Buffer> request, long maxMessageBytes) {
    this.vertx = vertx;
    this.request = request;
    // Client reset or connection lost: nothing can be written any more.
    request.errorHandler(e -> abandon());
    request.exceptionHandler(e -> abandon());
    request.invalidMessageHandler(e -> {
      if (e instanceof MessageSizeOverflowException o) {
        fail(GrpcStatus.RESOURCE_EXHAUSTED, "request message of " + o.messageSize() + " bytes exceeds the limit of "
            + maxMessageBytes + " bytes (--grpc-max-message-size)");
      } else {
        fail(GrpcStatus.INVALID_ARGUMENT, "invalid request message: " + e.getMessage());
      }
    });
    long timeoutMillis = request.timeout();
    if (timeoutMillis > 0) {
      deadlineTimer = vertx.setTimer(timeoutMillis, id -> {
        deadlineTimer = -1;
        fail(GrpcStatus.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis + " ms exceeded");
        gone = true;
      });
    }
  }

  /** True once the client can no longer use an answer (cancelled, disconnected, past its deadline). */
  boolean cancelled() {
    return gone;
  }

  boolean answered() {
    return answered;
  }

  void reply(Buffer message) {
    if (claim()) {
      request.response().end(message);
    }
  }

  void fail(GrpcStatus status, String message) {
    if (claim()) {
      answer(request.response(), status, message);
    }
  }

  /**
   * Ends a call that sent nothing yet with an error status and message. The message goes in as the
   * gRPC spec encodes it (only bytes outside printable ASCII, and '%', are percent-encoded): Vert.x's
   * own encoding also escapes characters such as ':' and '/', which some clients (grpc-js) then
   * show still escaped.
   */
  static void answer(GrpcServerResponse<?, ?> response, GrpcStatus status, String message) {
    // Before any message the answer is trailers-only, so the message travels with the headers.
    response.status(status).headers().set(GrpcHeaderNames.GRPC_MESSAGE, percentEncode(message));
    response.end();
  }

  static String percentEncode(String message) {
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(utf8.length);
    for (byte b : utf8) {
      int c = b & 0xFF;
      if (c >= 0x20 && c <= 0x7E && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return sb.toString();
  }

  void fail(Throwable t) {
    Throwable cause = GrpcErrors.unwrap(t);
    if (cause instanceof HadronException he) {
      fail(GrpcErrors.status(he), he.getMessage());
    } else {
      LOG.log(System.Logger.Level.ERROR, "gRPC " + request.fullMethodName() + " failed", cause);
      fail(GrpcStatus.INTERNAL, cause.toString());
    }
  }

  private boolean claim() {
    if (answered) {
      return false;
    }
    answered = true;
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
      deadlineTimer = -1;
    }
    return true;
  }

  private void abandon() {
    gone = true;
    claim();
  }
}
