package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.ClosedLoopResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The throughput target measured in pairs: the bare engine at every batch size, then Hadron at the
 * target concurrency, a few seconds apart, repeated; the target's ratio is Hadron's throughput over
 * all pairs against the bare engine's, over all pairs, at the batch size best over all pairs.
 *
 * <p>Why pairs: on a virtual machine the engine's speed can flip between two levels from one
 * half-minute to the next (on the benchmark machine, batches of 2 to 4 ran at 49 or at 62 samples per
 * second while batch 1 held still). A ratio of two measurements a minute apart then measures the
 * flip as much as the server, and three rounds are too few to average it out. Short windows that
 * alternate let both sides see the same mix of levels; adding them up weighs every window alike.
 * As in the rounds, a pair during which other processes took more than a tenth of the machine is
 * shown but not counted, unless every pair was. The rounds' per-round ratios are still reported
 * beside it.
 *
 * <p>Confined to the harness's main thread.
 */
final class TargetPairs {
  static final Duration BARE_WARMUP = Duration.ofMillis(500);
  static final Duration BARE_WINDOW = Duration.ofSeconds(2);
  static final Duration WARMUP = Duration.ofSeconds(1);
  static final Duration WINDOW = Duration.ofSeconds(4);

  private final String model;
  private final List<List<BareResult>> bare = new ArrayList<>();
  private final List<ClosedLoopResult> hadron = new ArrayList<>();

  TargetPairs(String model) {
    this.model = model;
  }

  /** Wall time of {@code pairs} pairs at batch sizes 1..{@code maxBatch}, warm-ups included. */
  static Duration estimate(int pairs, int maxBatch) {
    return BARE_WARMUP.plus(BARE_WINDOW).multipliedBy(maxBatch).plus(WARMUP).plus(WINDOW).multipliedBy(pairs);
  }

  /** Adds pair {@code pair} (0-based, in order): the bare results at every batch size, then Hadron's. */
  void add(int pair, List<BareResult> bareResults, ClosedLoopResult served) {
    if (pair != hadron.size()) {
      throw new IllegalArgumentException("pair " + pair + " added after " + hadron.size() + " pairs");
    }
    if (bareResults.isEmpty()) {
      throw new IllegalArgumentException("pair " + pair + " has no bare results");
    }
    bare.add(List.copyOf(bareResults));
    hadron.add(served);
  }

  int size() {
    return hadron.size();
  }

  boolean isEmpty() {
    return hadron.isEmpty();
  }

  /**
   * Whether other processes took more than {@link BenchRun#DISTURBED_SHARE} of the machine during
   * pair {@code i}, on either side: the rule the rounds follow.
   */
  boolean disturbed(int i, int cores) {
    double others = nanToZero(hadron.get(i).othersCpuShare(cores));
    for (BareResult r : bare.get(i)) {
      others = Math.max(others, nanToZero(r.othersCpuShare(cores)));
    }
    return others > BenchRun.DISTURBED_SHARE;
  }

  /** The pairs the target counts: those other processes left alone, or every pair when none was. */
  List<Integer> counted(int cores) {
    List<Integer> quiet = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      if (!disturbed(i, cores)) {
        quiet.add(i);
      }
    }
    if (!quiet.isEmpty()) {
      return quiet;
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      all.add(i);
    }
    return all;
  }

  /** The bare engine over the counted pairs, at the batch size best over them. */
  BareResult bareBest(int cores) {
    BareSeries sum = new BareSeries(model);
    for (int i : counted(cores)) {
      bare.get(i).forEach(r -> sum.add(0, r));
    }
    return sum.best();
  }

  /** Hadron over the counted pairs. */
  ClosedLoopResult served(int cores) {
    ClosedLoopResult sum = null;
    for (int i : counted(cores)) {
      sum = sum == null ? hadron.get(i) : sum.plus(hadron.get(i));
    }
    if (sum == null) {
      throw new IllegalStateException("no pairs measured");
    }
    return sum;
  }

  /** The target's ratio: Hadron over the counted pairs, against the bare engine over them at its best. */
  double ratio(int cores) {
    return served(cores).throughput() / bareBest(cores).samplesPerSecond();
  }

  /** Pair {@code i}'s bare result at the batch size best over the counted pairs. */
  BareResult bareAt(int i, int cores) {
    int batch = bareBest(cores).batch();
    return bare.get(i).stream().filter(r -> r.batch() == batch).findFirst().orElseThrow();
  }

  ClosedLoopResult servedAt(int i) {
    return hadron.get(i);
  }

  /** Each pair's own ratio, at the batch size best over the counted pairs. */
  List<Double> pairRatios(int cores) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      out.add(hadron.get(i).throughput() / bareAt(i, cores).samplesPerSecond());
    }
    return out;
  }

  private static double nanToZero(double v) {
    return Double.isNaN(v) ? 0 : v;
  }
}
