package io.hadron.loadtests.load;

/**
 * What a closed-loop run measured, or several runs at the same concurrency added together.
 *
 * <p>Immutable.
 *
 * @param clients concurrent clients, each with one request in flight at a time
 * @param windowNanos length of the measurement window (summed over merged runs)
 * @param completed good answers that arrived inside the window
 * @param latencies every request started inside the window and answered well, including those
 *     answered after it closed
 * @param errors requests answered with anything but a good 200, or failed on the wire (all phases)
 * @param firstError what the first error said, or empty
 * @param unanswered requests still without an answer when the grace period after the window ran out
 * @param clientCpuNanos CPU time this client process used during the window, or negative if unknown
 * @param serverCpuNanos CPU time the server used during the window, or negative if unknown
 * @param machineCpuNanos CPU time the whole machine was busy during the window, or negative if unknown
 * @param connects TCP connections opened (equal to {@code clients} when every one was kept alive)
 */
public record ClosedLoopResult(int clients, long windowNanos, long completed, Latencies latencies, long errors,
    String firstError, long unanswered, long clientCpuNanos, long serverCpuNanos, long machineCpuNanos,
    long connects) {

  /** Good answers per second inside the window. */
  public double throughput() {
    return completed / (windowNanos / 1e9);
  }

  /** This process's CPU time over the window, as a fraction of all {@code cores}; NaN if unknown. */
  public double clientCpuShare(int cores) {
    return share(clientCpuNanos, cores);
  }

  /** The server's CPU time over the window, as a fraction of all {@code cores}; NaN if unknown. */
  public double serverCpuShare(int cores) {
    return share(serverCpuNanos, cores);
  }

  /**
   * CPU time other processes took during the window (the machine's, less this process's and the
   * server's), as a fraction of all cores; NaN if unknown. Floored at 0: the three clocks tick at
   * different resolutions, so a quiet machine can read a hair below.
   */
  public double othersCpuShare(int cores) {
    if (machineCpuNanos < 0 || clientCpuNanos < 0 || serverCpuNanos < 0) {
      return Double.NaN;
    }
    double others = machineCpuNanos - clientCpuNanos - serverCpuNanos;
    return Math.max(0, others / ((double) windowNanos * cores));
  }

  private double share(long cpu, int cores) {
    return cpu < 0 ? Double.NaN : cpu / ((double) windowNanos * cores);
  }

  /** This run and {@code other} (same clients) as one. */
  public ClosedLoopResult plus(ClosedLoopResult other) {
    if (other.clients != clients) {
      throw new IllegalArgumentException("cannot add a run of " + other.clients + " clients to one of " + clients);
    }
    return new ClosedLoopResult(clients, windowNanos + other.windowNanos, completed + other.completed,
        latencies.plus(other.latencies), errors + other.errors, firstError.isEmpty() ? other.firstError : firstError,
        unanswered + other.unanswered, addKnown(clientCpuNanos, other.clientCpuNanos),
        addKnown(serverCpuNanos, other.serverCpuNanos), addKnown(machineCpuNanos, other.machineCpuNanos),
        connects + other.connects);
  }

  private static long addKnown(long a, long b) {
    return a < 0 || b < 0 ? -1 : a + b;
  }
}
