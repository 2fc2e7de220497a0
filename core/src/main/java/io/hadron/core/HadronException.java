package io.hadron.core;

/**
 * Every failure Hadron reports to a client. The subclass decides the status; the message is what the
 * client reads, so it names the offending field, value or model.
 *
 * <p>Immutable. Mapping to HTTP and gRPC statuses happens in one place in the server, from
 * {@link #status()}.
 */
public abstract sealed class HadronException extends RuntimeException
    permits HadronException.InvalidArgument,
        HadronException.NotFound,
        HadronException.Unavailable,
        HadronException.Unsupported,
        HadronException.Internal,
        HadronException.ResourceExhausted {

  private static final long serialVersionUID = 1L;

  HadronException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The status this failure maps to on the wire. */
  public abstract Status status();

  /** Bad input from the client (HTTP 400, gRPC INVALID_ARGUMENT). */
  public static final class InvalidArgument extends HadronException {
    private static final long serialVersionUID = 1L;

    public InvalidArgument(String message) {
      super(message, null);
    }

    public InvalidArgument(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.INVALID_ARGUMENT;
    }
  }

  /** Unknown model, version or resource (HTTP 404, gRPC NOT_FOUND). */
  public static final class NotFound extends HadronException {
    private static final long serialVersionUID = 1L;

    public NotFound(String message) {
      super(message, null);
    }

    public NotFound(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.NOT_FOUND;
    }
  }

  /** Not ready, overloaded or shutting down (HTTP 503, gRPC UNAVAILABLE). */
  public static final class Unavailable extends HadronException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message) {
      super(message, null);
    }

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.UNAVAILABLE;
    }
  }

  /** A valid request for something this server does not do (HTTP 501, gRPC UNIMPLEMENTED). */
  public static final class Unsupported extends HadronException {
    private static final long serialVersionUID = 1L;

    public Unsupported(String message) {
      super(message, null);
    }

    public Unsupported(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.UNSUPPORTED;
    }
  }

  /** An engine or server fault (HTTP 500, gRPC INTERNAL). */
  public static final class Internal extends HadronException {
    private static final long serialVersionUID = 1L;

    public Internal(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.INTERNAL;
    }
  }

  /** Memory or another budget exhausted (HTTP 400 per KServe's table, gRPC RESOURCE_EXHAUSTED). */
  public static final class ResourceExhausted extends HadronException {
    private static final long serialVersionUID = 1L;

    public ResourceExhausted(String message) {
      super(message, null);
    }

    public ResourceExhausted(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public Status status() {
      return Status.RESOURCE_EXHAUSTED;
    }
  }
}
