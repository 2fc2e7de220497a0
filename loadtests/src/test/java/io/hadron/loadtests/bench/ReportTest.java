package io.hadron.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Workload;
import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.Latencies;
import io.hadron.loadtests.load.OpenLoopResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report and plots of a made-up run: which targets count as met, what the tables say. */
class ReportTest {
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path tmp;

  /** A run where MiniLM reaches {@code hadronRps} at 16 clients against a best bare rate of 100/s. */
  static BenchRun run(double hadronRps, long simpleP50Nanos, long rejectNanos, long unanswered) {
    HarnessOptions o = HarnessOptions.defaults();
    BareSeries bareMiniLm = new BareSeries(LoadTestRepository.MINILM);
    bareMiniLm.add(0, new BareResult(1, 80, SECOND, Latencies.of(12_000_000), 0));
    bareMiniLm.add(0, new BareResult(2, 50, SECOND, Latencies.of(20_000_000), 0));
    BareSeries bareSimple = new BareSeries(LoadTestRepository.SIMPLE);
    bareSimple.add(0, new BareResult(1, 100_000, SECOND, Latencies.of(10_000), 0));
    Series miniLm = new Series("MiniLM binary", LoadTestRepository.MINILM, Workload.miniLm("m", 128),
        Payload.Protocol.BINARY, List.of(1, 16));
    miniLm.add(0, closed(1, 70, 14_000_000, 0));
    miniLm.add(0, closed(16, (long) hadronRps, 160_000_000, unanswered));
    Series simple = new Series("simple binary", LoadTestRepository.SIMPLE, Workload.simple(),
        Payload.Protocol.BINARY, List.of(1));
    simple.add(0, closed(1, 5000, simpleP50Nanos, 0));
    OpenLoopResult overload = new OpenLoopResult(300, 10 * SECOND, 4 + unanswered,
        Latencies.of(200_000_000, 300_000_000), Latencies.of(rejectNanos, rejectNanos), 0, "", 0, unanswered, -1, -1,
        -1);
    return new BenchRun(Environment.capture("1.0"), o, List.of("java", "-jar", "server.jar", "--http-port", "1",
        "--intra-op-threads", "2"), "0.1 0.2 0.3", "0.4 0.5 0.6", 60 * SECOND,
        Map.of(LoadTestRepository.MINILM, bareMiniLm, LoadTestRepository.SIMPLE, bareSimple),
        List.of(miniLm, simple), miniLm, new TargetPairs(LoadTestRepository.MINILM), closed(16, 100, 160_000_000, 0),
        overload);
  }

  /** {@code run} with the target measured in pairs: bare at batch 1 and 2, then Hadron, twice. */
  static BenchRun withPairs(BenchRun base, long[] bare1, long[] bare2, long[] hadron) {
    TargetPairs pairs = new TargetPairs(LoadTestRepository.MINILM);
    for (int i = 0; i < hadron.length; i++) {
      pairs.add(i, List.of(new BareResult(1, bare1[i], SECOND, Latencies.of(1), 0),
          new BareResult(2, bare2[i], SECOND, Latencies.of(1), 0)), closed(16, hadron[i], 1, 0));
    }
    return new BenchRun(base.environment(), base.options(), base.serverCommand(), "", "", 1, base.bare(),
        base.series(), base.targetSeries(), pairs, base.capacity(), base.overload());
  }

  private static ClosedLoopResult closed(int clients, long completed, long latency, long unanswered) {
    return new ClosedLoopResult(clients, SECOND, completed, Latencies.of(latency, latency), 0, "", unanswered,
        SECOND / 10, SECOND, SECOND / 10 + SECOND, clients);
  }

  @Test
  void judgesTheTargets() {
    List<Report.Check> met = new Report(run(98, 200_000, 1_000_000, 0)).checks();
    assertEquals(List.of(true, true, true, true, true), met.stream().map(Report.Check::met).toList());
    assertEquals("0.980× (median of undisturbed rounds; rounds: 0.980)", met.get(0).measured());
    assertEquals("200 µs", met.get(1).measured());
    List<Report.Check> missed = new Report(run(90, 300_000, 9_000_000, 2)).checks();
    assertEquals(List.of(false, false, false, false, false), missed.stream().map(Report.Check::met).toList());
  }

  @Test
  void withPairsTheTargetIsTheirSumAtTheBatchSizeBestOverAllPairs() {
    // Batch 2 is best over both pairs (2 x (40 + 50) = 180 samples against 150 at batch 1), though batch 1
    // wins the second pair; each pair's Hadron is compared with batch 2 in that pair.
    BenchRun run = withPairs(run(90, 200_000, 1_000_000, 0), new long[] {70, 80}, new long[] {40, 50},
        new long[] {79, 97});
    TargetPairs p = run.pairs();
    int cores = run.environment().cores();
    assertEquals(2, p.bareBest(cores).batch());
    assertEquals(176.0 / 180, p.ratio(cores), 1e-12);
    assertEquals(List.of(79.0 / 80, 97.0 / 100), p.pairRatios(cores));
    Report.Check target = new Report(run).checks().get(0);
    assertTrue(target.met(), target.measured());
    assertTrue(target.measured().startsWith("0.978× (2 pairs added up, bare at batch 2; pairs: 0.988, 0.970;"
        + " the rounds read 0.900×"), target.measured());
    // The rounds alone (90 against 100) would miss the goal; the pairs decide.
    assertFalse(new Report(run(90, 200_000, 1_000_000, 0)).checks().get(0).met());
    String markdown = new Report(run).markdown();
    assertTrue(markdown.contains("## Throughput target, in pairs"), markdown);
    assertTrue(new Report(run).pairs().text().contains("0.978"), new Report(run).pairs().text());
    assertTrue(new Report(run).pairs().text().contains("counted"), new Report(run).pairs().text());
  }

  @Test
  void aPairOtherProcessesDisturbedIsShownButNotCounted() {
    TargetPairs p = new TargetPairs(LoadTestRepository.MINILM);
    p.add(0, List.of(new BareResult(1, 100, SECOND, Latencies.of(1), 0)), closed(16, 98, 1, 0));
    // Another process took the whole machine during the second pair's bare window: both sides halved.
    p.add(1, List.of(new BareResult(1, 50, SECOND, Latencies.of(1), 2 * SECOND)), closed(16, 30, 1, 0));
    assertFalse(p.disturbed(0, 2));
    assertTrue(p.disturbed(1, 2));
    assertEquals(List.of(0), p.counted(2));
    assertEquals(0.98, p.ratio(2), 1e-12);
    assertEquals(List.of(0.98, 0.6), p.pairRatios(2));
  }

  @Test
  void pairsAreAddedInOrder() {
    TargetPairs p = new TargetPairs(LoadTestRepository.MINILM);
    assertTrue(p.isEmpty());
    assertThrows(IllegalArgumentException.class, () -> p.add(1, List.of(), closed(16, 1, 1, 0)));
    assertThrows(IllegalStateException.class, () -> p.served(2));
  }

  @Test
  void ratiosAreTakenPerRoundAndTheMedianReported() {
    BareSeries bare = new BareSeries(LoadTestRepository.MINILM);
    Series s = new Series("MiniLM binary", LoadTestRepository.MINILM, Workload.miniLm("m", 128),
        Payload.Protocol.BINARY, List.of(16));
    // A busy first round slows both sides; each round's ratio stands on its own.
    long[] bareCalls = {25, 50, 50};
    long[] hadron = {45, 96, 90};
    for (int r = 0; r < 3; r++) {
      bare.add(r, new BareResult(2, bareCalls[r], SECOND, Latencies.of(1), r == 1 ? SECOND : 0));
      s.add(r, closed(16, hadron[r], 1, 0));
    }
    BenchRun base = run(98, 200_000, 1_000_000, 0);
    BenchRun run = new BenchRun(base.environment(), base.options(), base.serverCommand(), "", "", 1,
        Map.of(LoadTestRepository.MINILM, bare), List.of(s), s, new TargetPairs(LoadTestRepository.MINILM),
        base.capacity(), base.overload());
    // Round 1's bare run shared the machine with another process taking half of it: left out.
    assertEquals(List.of(0.9, 0.96, 0.9), run.roundRatios(s, 16).stream().map(BenchRun.RoundRatio::ratio).toList());
    assertEquals(List.of(false, true, false),
        run.roundRatios(s, 16).stream().map(BenchRun.RoundRatio::disturbed).toList());
    assertEquals(0.9, run.ratio(s, 16), 1e-12);
    assertFalse(run.allDisturbed(s, 16));
    // Added up over rounds, the same numbers would read 231 / 250 = 0.924.
    assertEquals(231.0 / 3, s.at(16).throughput(), 1e-9);
  }

  @Test
  void tablesCarryRatiosAndCpuShares() {
    Report r = new Report(run(98, 200_000, 1_000_000, 0));
    String hadron = r.hadron().text();
    assertTrue(hadron.contains("0.980"), hadron);
    assertTrue(hadron.contains("0.050"), hadron);
    String markdown = r.markdown();
    assertTrue(markdown.contains("| server flags | `--intra-op-threads 2` |"), markdown);
    assertTrue(r.targets().text().contains("met"), r.targets().text());
    assertTrue(markdown.contains("![MiniLM binary: latency CDF by concurrency](minilm-latency-cdf.png)"), markdown);
    String bare = r.bare().text();
    assertTrue(bare.contains("best"), bare);
    assertFalse(r.console().isEmpty());
  }

  @Test
  void drawsEveryPlot() throws Exception {
    Plots.write(run(98, 200_000, 1_000_000, 0), tmp);
    for (String[] f : Plots.FILES) {
      Path png = tmp.resolve(f[0]);
      assertTrue(Files.size(png) > 1000, f[0]);
      byte[] magic = Files.readAllBytes(png);
      assertEquals((byte) 0x89, magic[0]);
      assertEquals('P', magic[1]);
    }
  }
}
