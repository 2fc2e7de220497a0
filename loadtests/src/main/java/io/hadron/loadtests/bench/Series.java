package io.hadron.loadtests.bench;

import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Workload;
import io.hadron.loadtests.load.ClosedLoopResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One model over one protocol at several concurrencies: the closed-loop results of each round, and
 * of all rounds added up per concurrency.
 *
 * <p>Confined to the harness's main thread.
 */
final class Series {
  private final String label;
  private final String bareKey;
  private final Payload payload;
  private final List<Integer> clients;
  private final SortedMap<Integer, ClosedLoopResult> results = new TreeMap<>();
  private final List<SortedMap<Integer, ClosedLoopResult>> rounds = new ArrayList<>();

  /**
   * @param label how tables and plots name it ("MiniLM binary")
   * @param bareKey the bare-engine results it is compared with
   */
  Series(String label, String bareKey, Workload workload, Payload.Protocol protocol, List<Integer> clients) {
    this.label = label;
    this.bareKey = bareKey;
    this.payload = Payload.of(workload, protocol);
    this.clients = List.copyOf(clients);
  }

  String label() {
    return label;
  }

  String bareKey() {
    return bareKey;
  }

  Payload payload() {
    return payload;
  }

  List<Integer> clients() {
    return clients;
  }

  /** Adds a result of round {@code round} (0-based, rounds in order). */
  void add(int round, ClosedLoopResult r) {
    while (rounds.size() <= round) {
      rounds.add(new TreeMap<>());
    }
    rounds.get(round).put(r.clients(), r);
    results.merge(r.clients(), r, ClosedLoopResult::plus);
  }

  /** The result of one round at {@code clients}, or null. */
  ClosedLoopResult atRound(int round, int clients) {
    return round < rounds.size() ? rounds.get(round).get(clients) : null;
  }

  SortedMap<Integer, ClosedLoopResult> results() {
    return Collections.unmodifiableSortedMap(results);
  }

  ClosedLoopResult at(int clients) {
    ClosedLoopResult r = results.get(clients);
    if (r == null) {
      throw new IllegalArgumentException(label + " has no result at " + clients + " clients");
    }
    return r;
  }
}
