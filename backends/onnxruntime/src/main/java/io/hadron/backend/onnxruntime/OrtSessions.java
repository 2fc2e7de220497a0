package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OrtSession;
import io.hadron.core.HadronException;
import io.hadron.core.spi.Closer;
import java.util.List;

/** Frees ONNX Runtime sessions. Stateless. */
final class OrtSessions {
  private OrtSessions() {}

  /**
   * Closes every session, even when some fail to close. Failures are added to {@code primary} when
   * there is one; otherwise the first becomes an {@link HadronException.Internal} that is returned
   * with the rest suppressed in it.
   */
  static RuntimeException close(List<OrtSession> sessions, Throwable primary) {
    Closer closer = new Closer(primary);
    for (OrtSession s : sessions) {
      closer.run("closing an ONNX Runtime session", s::close);
    }
    return closer.failure();
  }
}
