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
 * The rounds' per-round ratios are still reported beside it.
 *
 * <p>Confined to the harness's main thread.
 */
final class TargetPairs {
  static final Duration BARE_WARMUP = Duration.ofMillis(500);
  static final Duration BARE_WINDOW = Duration.ofSeconds(2);
  static final Duration WARMUP = Duration.ofSeconds(1);
  static final Duration WINDOW = Duration.ofSeconds(4);

  private final BareSeries bare;
  private final List<ClosedLoopResult> hadron = new ArrayList<>();
  private ClosedLoopResult hadronTotal;

  TargetPairs(String model) {
    this.bare = new BareSeries(model);
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
    bareResults.forEach(r -> bare.add(pair, r));
    hadron.add(served);
    hadronTotal = hadronTotal == null ? served : hadronTotal.plus(served);
  }

  int size() {
    return hadron.size();
  }

  boolean isEmpty() {
    return hadron.isEmpty();
  }

  /** The bare engine over all pairs at its best batch size. */
  BareResult bareBest() {
    return bare.best();
  }

  /** Hadron over all pairs. */
  ClosedLoopResult served() {
    if (hadronTotal == null) {
      throw new IllegalStateException("no pairs measured");
    }
    return hadronTotal;
  }

  /** Hadron's throughput over all pairs, over the bare engine's at its best batch size over all pairs. */
  double ratio() {
    return served().throughput() / bareBest().samplesPerSecond();
  }

  /** Each pair's own ratio, at the batch size best over all pairs. */
  List<Double> pairRatios() {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < hadron.size(); i++) {
      out.add(hadron.get(i).throughput() / bare.best(i).samplesPerSecond());
    }
    return out;
  }

  /** Pair {@code i}: the bare result at the best batch size, and Hadron's. */
  BareResult bareAt(int i) {
    return bare.best(i);
  }

  ClosedLoopResult servedAt(int i) {
    return hadron.get(i);
  }
}
