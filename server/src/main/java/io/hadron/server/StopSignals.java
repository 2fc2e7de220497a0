package io.hadron.server;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into an orderly stop that ends the process with status 0.
 *
 * <p>A shutdown hook alone is not enough: the JVM answers SIGTERM by running its hooks and then
 * exiting with 143 (128 + 15) whatever they did, and supervisors (a container restart policy, a CI
 * job, systemd) read that as a failure, although a drained stop is the normal end of a server. So
 * the handler runs the stop itself and then exits 0, or 1 when the stop failed. A second signal
 * during the stop halts at once with 128 + its number, for someone at a terminal who will not wait
 * for the drain; it skips the shutdown hooks, which would only wait for the first stop.
 *
 * <p>{@code sun.misc.Signal} is in {@code jdk.unsupported}, which every JDK ships and exports for
 * uses with no supported replacement yet (JEP 260); javac warns about it, and that warning cannot
 * be suppressed. With {@code -Xrs} the handlers cannot be installed and the JVM's own handling
 * (hooks, then 143) remains.
 *
 * <p>Thread-safe: the JVM runs each signal's handler on a thread of its own; the first one stops
 * the server, any later one halts.
 */
final class StopSignals {
  private static final System.Logger LOG = System.getLogger(StopSignals.class.getName());

  private StopSignals() {}

  /**
   * Installs the handlers.
   *
   * @param stop the orderly stop; it runs on the signal's thread and must return
   * @return false when the JVM would not let the handlers be installed
   */
  static boolean install(Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    SignalHandler handler = signal -> {
      if (!stopping.compareAndSet(false, true)) {
        Runtime.getRuntime().halt(128 + signal.getNumber());
      }
      int status = 0;
      try {
        stop.run();
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.ERROR, "stopping on SIG" + signal.getName() + " failed", e);
        status = 1;
      }
      System.exit(status);
    };
    try {
      Signal.handle(new Signal("TERM"), handler);
      Signal.handle(new Signal("INT"), handler);
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot handle SIGTERM/SIGINT (" + e.getMessage()
          + "); a stop will still drain, but the exit status will be the JVM's (143 for SIGTERM)");
      return false;
    }
  }
}
