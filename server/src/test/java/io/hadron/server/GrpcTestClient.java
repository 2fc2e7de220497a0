package io.hadron.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A gRPC client for tests, built on Vert.x's gRPC client and the messages generated from our
 * proto: calls any method of any service by name, so that tests can also reach the RPCs the server
 * does not implement. Thread-safe (each call is independent); blocking, for test threads only.
 */
final class GrpcTestClient implements AutoCloseable {
  static final ServiceName TRITON = ServiceName.create("inference", "GRPCInferenceService");

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final GrpcClient client;
  private final SocketAddress server;

  GrpcTestClient(int port) {
    client = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(64 << 20));
    server = SocketAddress.inetSocketAddress(port, "127.0.0.1");
  }

  /** The outcome of one call: its status and message, and the reply when there was one. */
  record Result<R>(GrpcStatus status, String message, R reply) {
    R ok() {
      if (status != GrpcStatus.OK) {
        throw new AssertionError("expected OK, got " + status + ": " + message);
      }
      return reply;
    }
  }

  <R> Result<R> call(String method, MessageLite request, Parser<R> parser) {
    return call(TRITON, method, Buffer.buffer(request.toByteArray()), parser, r -> {});
  }

  /** Sends {@code payload} as the single request message, after {@code prepare} adjusts the request. */
  <R> Result<R> call(ServiceName service, String method, Buffer payload, Parser<R> parser,
      Consumer<GrpcClientRequest<Buffer, Buffer>> prepare) {
    return call(service, method, payload, parser, prepare, true);
  }

  /**
   * As above; with {@code end} false the request stream is left open after the message, as a
   * client that never finishes sending would leave it.
   */
  <R> Result<R> call(ServiceName service, String method, Buffer payload, Parser<R> parser,
      Consumer<GrpcClientRequest<Buffer, Buffer>> prepare, boolean end) {
    ServiceMethod<Buffer, Buffer> m =
        ServiceMethod.client(service, method, GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
    // Started on the client's event loop, so that the response's message handler is set before that
    // loop can deliver a message: from a test thread, a fast reply could arrive before it.
    Future<Result<R>> f = Future.<Result<R>>future(promise -> context.runOnContext(v -> call(m, payload, parser,
        prepare, end).onComplete(promise)));
    try {
      return f.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("gRPC " + method + " failed: " + e, e);
    }
  }

  private <R> Future<Result<R>> call(ServiceMethod<Buffer, Buffer> m, Buffer payload, Parser<R> parser,
      Consumer<GrpcClientRequest<Buffer, Buffer>> prepare, boolean end) {
    return client.request(server, m).compose(req -> {
      prepare.accept(req);
      if (end) {
        req.end(payload);
      } else {
        req.write(payload);
      }
      return req.response();
    }).compose(resp -> {
      List<Buffer> messages = new ArrayList<>();
      resp.handler(messages::add);
      return resp.end().transform(ar -> {
        R reply = null;
        if (resp.status() == GrpcStatus.OK && !messages.isEmpty()) {
          try {
            reply = parser.parseFrom(messages.getLast().getBytes());
          } catch (InvalidProtocolBufferException e) {
            return Future.failedFuture(e);
          }
        }
        return Future.succeededFuture(new Result<>(resp.status(), resp.statusMessage(), reply));
      });
    });
  }

  @Override
  public void close() {
    try {
      client.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
