package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import io.hadron.core.HadronException;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * Access to the process-wide ONNX Runtime environment, and the one place where ONNX Runtime's
 * errors become {@link HadronException}s.
 *
 * <p>Thread-safe (stateless; {@link OrtEnvironment#getEnvironment()} is synchronized and returns a
 * singleton that is never closed, because sessions of every model share its thread pools and
 * logger).
 */
final class Ort {
  private Ort() {}

  /**
   * The shared environment.
   *
   * @throws HadronException.Unavailable when the native library cannot be loaded on this machine
   */
  static OrtEnvironment env() {
    try {
      return OrtEnvironment.getEnvironment();
    } catch (LinkageError | RuntimeException e) {
      // The first failure surfaces as ExceptionInInitializerError, later ones as NoClassDefFoundError.
      throw new HadronException.Unavailable(
          "ONNX Runtime cannot be initialised on this machine: " + e, e);
    }
  }

  /** The execution providers compiled into the ONNX Runtime build on the class path. */
  static EnumSet<OrtProvider> providers() {
    env();
    return OrtEnvironment.getAvailableProviders();
  }

  /** Maps a failure to open or inspect a model file. */
  static HadronException loadFailure(String model, Path file, OrtException e) {
    String what = "model '" + model + "': ONNX Runtime cannot load " + file + ": " + message(e);
    return switch (e.getCode()) {
      case ORT_INVALID_PROTOBUF, ORT_INVALID_GRAPH, ORT_NO_MODEL, ORT_NO_SUCHFILE, ORT_INVALID_ARGUMENT,
          ORT_NOT_FOUND -> new HadronException.InvalidArgument(what, e);
      case ORT_NOT_IMPLEMENTED -> unsupported(what, e);
      case ORT_EP_FAIL -> new HadronException.Unavailable(what, e);
      default -> new HadronException.Internal(what, e);
    };
  }

  /**
   * Maps a failure of one run. ONNX Runtime reports inputs that do not fit the graph (a symbolic
   * dimension bound to two sizes, a rank it cannot take) as invalid arguments; those are the
   * client's, everything else is the engine's.
   */
  static HadronException runFailure(String model, OrtException e) {
    String what = "model '" + model + "': ONNX Runtime failed: " + message(e);
    return switch (e.getCode()) {
      case ORT_INVALID_ARGUMENT -> new HadronException.InvalidArgument(what, e);
      case ORT_NOT_IMPLEMENTED -> unsupported(what, e);
      default -> new HadronException.Internal(what, e);
    };
  }

  /** ONNX Runtime's message without the "Error code - X - message:" preamble the Java API adds. */
  static String message(OrtException e) {
    String m = String.valueOf(e.getMessage());
    int at = m.indexOf(" - message: ");
    return at >= 0 ? m.substring(at + " - message: ".length()) : m;
  }

  private static HadronException unsupported(String message, Throwable cause) {
    // Unsupported has no constructor taking a cause; keep ONNX Runtime's stack as a suppressed one.
    HadronException e = new HadronException.Unsupported(message);
    e.addSuppressed(cause);
    return e;
  }
}
