package io.hadron.loadtests.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bare engine on one model at batch sizes 1..max: each round's results, and all rounds added up
 * per batch size.
 *
 * <p>Confined to the harness's main thread.
 */
final class BareSeries {
  private final String model;
  private final SortedMap<Integer, BareResult> results = new TreeMap<>();
  private final List<SortedMap<Integer, BareResult>> rounds = new ArrayList<>();

  BareSeries(String model) {
    this.model = model;
  }

  String model() {
    return model;
  }

  /** Adds a result of round {@code round} (0-based, rounds in order). */
  void add(int round, BareResult r) {
    while (rounds.size() <= round) {
      rounds.add(new TreeMap<>());
    }
    rounds.get(round).put(r.batch(), r);
    results.merge(r.batch(), r, BareResult::plus);
  }

  int rounds() {
    return rounds.size();
  }

  SortedMap<Integer, BareResult> results() {
    return Collections.unmodifiableSortedMap(results);
  }

  /** The batch size with the highest throughput (samples per second): the engine's ceiling. */
  BareResult best() {
    return best(results.values());
  }

  /**
   * The result, in one round, of the batch size that is best over all rounds added up. Not the
   * round's own best: on a noisy machine the highest of several noisy rates overstates the engine
   * (the maximum of samples is biased upwards), which would understate every ratio against it;
   * the batch size is chosen on the most data, and the round compares like with like.
   */
  BareResult best(int round) {
    BareResult r = rounds.get(round).get(best().batch());
    return r != null ? r : best(rounds.get(round).values());
  }

  private BareResult best(Collection<BareResult> candidates) {
    return candidates.stream().max(Comparator.comparingDouble(BareResult::samplesPerSecond))
        .orElseThrow(() -> new IllegalStateException("no bare results for " + model));
  }
}
