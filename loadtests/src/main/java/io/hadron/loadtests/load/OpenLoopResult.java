package io.hadron.loadtests.load;

/**
 * What an open-loop run saw: how many requests were offered at what rate, and what became of each.
 * Every offered request ends in exactly one of: answered (200), rejected (503), error, not sent
 * (the client had no connection left), or unanswered.
 *
 * <p>Immutable.
 *
 * @param rate offered requests per second
 * @param durationNanos how long requests were offered
 * @param offered requests scheduled
 * @param answered latencies of the 200 answers, from each request's scheduled send time
 * @param rejected latencies of the 503 answers, likewise
 * @param errors other statuses and failures on the wire
 * @param firstError what the first error said, or empty
 * @param notSent requests for which the client had no connection to spare
 * @param unanswered requests still open when the grace period after the run ran out
 * @param clientCpuNanos CPU time of this process while offering, or negative
 * @param serverCpuNanos CPU time of the server while offering, or negative
 * @param machineCpuNanos CPU time the whole machine was busy while offering, or negative
 */
public record OpenLoopResult(double rate, long durationNanos, long offered, Latencies answered, Latencies rejected,
    long errors, String firstError, long notSent, long unanswered, long clientCpuNanos, long serverCpuNanos,
    long machineCpuNanos) {

  /** Answers (200) per second. */
  public double goodput() {
    return answered.count() / (durationNanos / 1e9);
  }

  /** Share of offered requests rejected with 503. */
  public double rejectedShare() {
    return offered == 0 ? 0 : (double) rejected.count() / offered;
  }

  /** CPU time other processes took while offering, as a fraction of all cores; NaN if unknown. */
  public double othersCpuShare(int cores) {
    if (machineCpuNanos < 0 || clientCpuNanos < 0 || serverCpuNanos < 0) {
      return Double.NaN;
    }
    return Math.max(0, (machineCpuNanos - clientCpuNanos - serverCpuNanos) / ((double) durationNanos * cores));
  }

  /** Whether every offered request was answered or rejected. */
  public boolean allSettled() {
    return errors == 0 && notSent == 0 && unanswered == 0;
  }
}
