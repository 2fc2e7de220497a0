package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.OpenLoopResult;
import java.util.ArrayList;
import java.util.Collections;
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
    ClosedLoopResult capacity,
    OpenLoopResult overload) {

  BenchRun {
    serverCommand = List.copyOf(serverCommand);
    bare = Map.copyOf(bare);
    series = List.copyOf(series);
  }

  /**
   * Hadron's throughput over the bare engine's best, in each round: both measured within the same
   * few minutes, so that a change in the machine's load between rounds cancels out.
   */
  List<Double> roundRatios(Series s, int clients) {
    BareSeries b = bare.get(s.bareKey());
    List<Double> ratios = new ArrayList<>();
    for (int r = 0; r < b.rounds(); r++) {
      ClosedLoopResult h = s.atRound(r, clients);
      if (h != null) {
        ratios.add(h.throughput() / b.best(r).samplesPerSecond());
      }
    }
    return ratios;
  }

  /** The median over rounds of {@link #roundRatios}: the figure the tables and the target use. */
  double ratio(Series s, int clients) {
    List<Double> r = new ArrayList<>(roundRatios(s, clients));
    if (r.isEmpty()) {
      throw new IllegalArgumentException(s.label() + " has no result at " + clients + " clients");
    }
    Collections.sort(r);
    int n = r.size();
    return n % 2 == 1 ? r.get(n / 2) : (r.get(n / 2 - 1) + r.get(n / 2)) / 2;
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
