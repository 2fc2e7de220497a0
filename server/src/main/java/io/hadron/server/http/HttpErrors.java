package io.hadron.server.http;

import io.hadron.core.HadronException;
import java.util.concurrent.CompletionException;

/**
 * The one mapping from Hadron's error statuses to HTTP status codes, per the KServe v2 protocol:
 * NOT_FOUND→404, UNAVAILABLE→503, UNSUPPORTED→501, INTERNAL→500, everything else→400.
 *
 * <p>Stateless and thread-safe.
 */
final class HttpErrors {
  private HttpErrors() {}

  static int status(HadronException e) {
    return switch (e.status()) {
      case NOT_FOUND -> 404;
      case UNAVAILABLE -> 503;
      case UNSUPPORTED -> 501;
      case INTERNAL -> 500;
      case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> 400;
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
