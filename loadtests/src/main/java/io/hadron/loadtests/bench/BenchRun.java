package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.OpenLoopResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one harness run measured, ready to be reported.
 *
 * <p>Immutable once built (its series are no longer added to).
 *
 * @param environment machine and software
 * @param options the settings of the run
 * @param serverCommand how the server was started
 * @param loadBefore load averages at the start
 * @param loadAfter load averages at the end
 * @param wallNanos the run's wall time
 * @param bare bare-engine results by model
 * @param series the closed-loop series
 * @param targetSeries the series the throughput target is judged on
 * @param pairs the throughput target measured in alternating pairs; empty when none were asked for
 * @param capacity closed-loop throughput of the bounded model, the base of the overload rate
 * @param overload the open-loop overload
 */
record BenchRun(
    Environment environment,
    HarnessOptions options,
    List<String> serverCommand,
    String loadBefore,
    String loadAfter,
    long wallNanos,
    Map<String, BareSeries> bare,
    List<Series> series,
    Series targetSeries,
    TargetPairs pairs,
    ClosedLoopResult capacity,
    OpenLoopResult overload) {

  BenchRun {
    serverCommand = List.copyOf(serverCommand);
    // Insertion order is report order.
    bare = Collections.unmodifiableMap(new LinkedHashMap<>(bare));
    series = List.copyOf(series);
  }

  /**
   * Share of the machine's CPU that other processes may take during a measurement before it counts
   * as disturbed. A round in which they took more, on either side of a ratio, is reported but left
   * out of the ratio while an undisturbed round exists.
   */
  static final double DISTURBED_SHARE = 0.10;

  /**
   * One round's Hadron/bare ratio, both measured within the same few minutes.
   *
   * @param othersShare the larger share of the machine other processes took, over the two measurements
   */
  record RoundRatio(double ratio, double othersShare) {
    boolean disturbed() {
      return othersShare > DISTURBED_SHARE;
    }
  }

  /** Hadron's throughput over the bare engine's best, round by round. */
  List<RoundRatio> roundRatios(Series s, int clients) {
    BareSeries b = bare.get(s.bareKey());
    int cores = environment.cores();
    List<RoundRatio> ratios = new ArrayList<>();
    for (int r = 0; r < b.rounds(); r++) {
      ClosedLoopResult h = s.atRound(r, clients);
      if (h != null) {
        BareResult best = b.best(r);
        double others = Math.max(nanToZero(h.othersCpuShare(cores)), nanToZero(best.othersCpuShare(cores)));
        ratios.add(new RoundRatio(h.throughput() / best.samplesPerSecond(), others));
      }
    }
    return ratios;
  }

  /**
   * The figure the tables and the target use: the median of the undisturbed rounds' ratios, or of
   * all rounds when every one was disturbed.
   */
  double ratio(Series s, int clients) {
    List<RoundRatio> all = roundRatios(s, clients);
    if (all.isEmpty()) {
      throw new IllegalArgumentException(s.label() + " has no result at " + clients + " clients");
    }
    List<Double> r = new ArrayList<>();
    for (RoundRatio x : all) {
      if (!x.disturbed()) {
        r.add(x.ratio());
      }
    }
    if (r.isEmpty()) {
      all.forEach(x -> r.add(x.ratio()));
    }
    Collections.sort(r);
    int n = r.size();
    return n % 2 == 1 ? r.get(n / 2) : (r.get(n / 2 - 1) + r.get(n / 2)) / 2;
  }

  /** Whether every round of this point was disturbed by other processes. */
  boolean allDisturbed(Series s, int clients) {
    return roundRatios(s, clients).stream().allMatch(RoundRatio::disturbed);
  }

  private static double nanToZero(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  /** Requests still unanswered at the end of any closed-loop run, or of the overload. */
  long unanswered() {
    long n = capacity.unanswered() + overload.unanswered();
    for (Series s : series) {
      for (ClosedLoopResult r : s.results().values()) {
        n += r.unanswered();
      }
    }
    return n;
  }

  /** Errors of every closed-loop run. */
  long closedLoopErrors() {
    long n = capacity.errors();
    for (Series s : series) {
      for (ClosedLoopResult r : s.results().values()) {
        n += r.errors();
      }
    }
    return n;
  }
}
