package io.hadron.server.grpc;

import io.hadron.core.HadronException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.concurrent.CompletionException;

/**
 * The one mapping from Hadron's error statuses to gRPC status codes, the counterpart of the HTTP
 * front end's: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE and RESOURCE_EXHAUSTED map to themselves,
 * UNSUPPORTED to UNIMPLEMENTED, INTERNAL to INTERNAL.
 *
 * <p>Stateless and thread-safe.
 */
final class GrpcErrors {
  private GrpcErrors() {}

  static GrpcStatus status(HadronException e) {
    return switch (e.status()) {
      case INVALID_ARGUMENT -> GrpcStatus.INVALID_ARGUMENT;
      case NOT_FOUND -> GrpcStatus.NOT_FOUND;
      case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
      case UNSUPPORTED -> GrpcStatus.UNIMPLEMENTED;
      case INTERNAL -> GrpcStatus.INTERNAL;
      case RESOURCE_EXHAUSTED -> GrpcStatus.RESOURCE_EXHAUSTED;
    };
  }

  /** Unwraps the completion wrappers futures put around the real failure. */
  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
