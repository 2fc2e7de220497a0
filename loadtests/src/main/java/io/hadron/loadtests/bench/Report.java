package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.Latencies;
import io.hadron.loadtests.load.OpenLoopResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A harness run as tables: the targets and whether they were met, the bare engine, Hadron by
 * series and concurrency, and the overload; as markdown (with the plots) and as plain text.
 *
 * <p>The targets are goals the run reports on, not assertions: a missed one is reported, not thrown.
 *
 * <p>Immutable.
 */
final class Report {
  /** Hadron's throughput over the bare engine's best, MiniLM binary at the target concurrency. */
  static final double TARGET_RATIO = 0.97;
  /** {@code simple}'s median round trip at one client, client to client on loopback. */
  static final double TARGET_SIMPLE_P50_MICROS = 250;
  /** 99th percentile of the time to a rejection under overload. */
  static final double TARGET_REJECT_P99_MILLIS = 5;

  private final BenchRun run;
  private final int cores;

  Report(BenchRun run) {
    this.run = run;
    this.cores = run.environment().cores();
  }

  /** One target: what is asked, what was measured, and whether it was met. */
  record Check(String target, String goal, String measured, boolean met) {}

  List<Check> checks() {
    List<Check> checks = new ArrayList<>();
    HarnessOptions o = run.options();
    Series target = run.targetSeries();
    double roundsRatio = run.ratio(target, o.targetClients());
    String rounds = run.roundRatios(target, o.targetClients()).stream()
        .map(r -> fmt("%.3f", r.ratio()) + (r.disturbed() ? fmt(" (others took %.0f%%)", 100 * r.othersShare()) : ""))
        .collect(Collectors.joining(", "));
    String basis = run.allDisturbed(target, o.targetClients()) ? "every round disturbed; median of all"
        : "median of undisturbed rounds";
    String roundsMeasured = fmt("%.3f× (%s; rounds: %s)", roundsRatio, basis, rounds);
    TargetPairs pairs = run.pairs();
    double ratio = pairs.isEmpty() ? roundsRatio : pairs.ratio(cores);
    String measured = roundsMeasured;
    if (!pairs.isEmpty()) {
      List<Double> each = pairs.pairRatios(cores);
      List<String> shown = new ArrayList<>();
      for (int i = 0; i < each.size(); i++) {
        shown.add(fmt("%.3f", each.get(i)) + (pairs.disturbed(i, cores) ? " (disturbed)" : ""));
      }
      int counted = pairs.counted(cores).size();
      measured = fmt("%.3f× (%s added up, bare at batch %d; pairs: %s; the rounds read %s)", ratio,
          counted == pairs.size() ? pairs.size() + " pairs" : counted + " of " + pairs.size() + " pairs",
          pairs.bareBest(cores).batch(), String.join(", ", shown), roundsMeasured);
    }
    checks.add(new Check(fmt("MiniLM fp32, sequence %d, binary, %d clients: Hadron / bare ORT at its best batch",
        o.sequence(), o.targetClients()), fmt("≥ %.2f×", TARGET_RATIO), measured, ratio >= TARGET_RATIO));
    for (Series s : run.series()) {
      if (s.bareKey().equals(LoadTestRepository.SIMPLE) && s.results().containsKey(1)) {
        double p50 = s.at(1).latencies().quantileNanos(0.5) / 1e3;
        checks.add(new Check(s.label() + ", 1 client: p50 round trip", fmt("≤ %.0f µs", TARGET_SIMPLE_P50_MICROS),
            fmt("%.0f µs", p50), p50 <= TARGET_SIMPLE_P50_MICROS));
      }
    }
    long unanswered = run.unanswered();
    checks.add(new Check("Requests unanswered at the end of any run", "0", Long.toString(unanswered),
        unanswered == 0));
    OpenLoopResult ov = run.overload();
    checks.add(new Check(fmt("%.0f× overload: every request answered or rejected", o.overloadFactor()),
        "all of " + ov.offered(), fmt("%d answered, %d rejected, %d errors, %d not sent, %d unanswered",
            ov.answered().count(), ov.rejected().count(), ov.errors(), ov.notSent(), ov.unanswered()),
        ov.allSettled()));
    double rejectP99 = ov.rejected().quantileMillis(0.99);
    checks.add(new Check(fmt("%.0f× overload: rejection p99", o.overloadFactor()),
        fmt("≤ %.0f ms", TARGET_REJECT_P99_MILLIS),
        ov.rejected().count() == 0 ? "no rejections" : fmt("%.2f ms", rejectP99),
        ov.rejected().count() > 0 && rejectP99 <= TARGET_REJECT_P99_MILLIS));
    return checks;
  }

  Table targets() {
    Table t = Table.left("target", "goal", "measured", "");
    for (Check c : checks()) {
      t.row(c.target(), c.goal(), c.measured(), c.met() ? "met" : "MISSED");
    }
    return t;
  }

  Table bare() {
    Table t = new Table("model", "batch", "calls/s", "samples/s", "call p50 ms", "call p99 ms", "others' CPU", "");
    for (BareSeries s : run.bare().values()) {
      BareResult best = s.best();
      for (BareResult r : s.results().values()) {
        t.row(s.model(), Integer.toString(r.batch()), fmt("%.1f", r.callsPerSecond()),
            fmt("%.1f", r.samplesPerSecond()), ms(r.latencies().quantileMillis(0.5)),
            ms(r.latencies().quantileMillis(0.99)), pct(r.othersCpuShare(cores)), r == best ? "best" : "");
      }
    }
    return t;
  }

  Table hadron() {
    Table t = new Table("series", "clients", "req/s", "× bare best", "p50 ms", "p99 ms", "max ms", "errors",
        "unanswered", "client CPU", "server CPU", "others' CPU");
    for (Series s : run.series()) {
      for (Map.Entry<Integer, ClosedLoopResult> e : s.results().entrySet()) {
        ClosedLoopResult r = e.getValue();
        Latencies l = r.latencies();
        t.row(s.label(), Integer.toString(e.getKey()), fmt("%.1f", r.throughput()),
            fmt("%.3f", run.ratio(s, e.getKey())), ms(l.quantileMillis(0.5)), ms(l.quantileMillis(0.99)),
            ms(l.maxMillis()), Long.toString(r.errors()), Long.toString(r.unanswered()),
            pct(r.clientCpuShare(cores)), pct(r.serverCpuShare(cores)), pct(r.othersCpuShare(cores)));
      }
    }
    return t;
  }

  /** The throughput target's pairs, one row each, and their sum. */
  Table pairs() {
    TargetPairs p = run.pairs();
    Table t = new Table("pair", "bare batch", "bare samples/s", "Hadron req/s", "ratio", "Hadron p99 ms",
        "others' CPU (bare / Hadron)");
    for (int i = 0; i < p.size(); i++) {
      BareResult b = p.bareAt(i, cores);
      ClosedLoopResult h = p.servedAt(i);
      t.row(Integer.toString(i + 1) + (p.disturbed(i, cores) ? " (disturbed, not counted)" : ""),
          Integer.toString(b.batch()), fmt("%.1f", b.samplesPerSecond()),
          fmt("%.1f", h.throughput()), fmt("%.3f", h.throughput() / b.samplesPerSecond()),
          ms(h.latencies().quantileMillis(0.99)), pct(b.othersCpuShare(cores)) + " / " + pct(h.othersCpuShare(cores)));
    }
    if (!p.isEmpty()) {
      BareResult b = p.bareBest(cores);
      ClosedLoopResult h = p.served(cores);
      t.row("counted", Integer.toString(b.batch()), fmt("%.1f", b.samplesPerSecond()), fmt("%.1f", h.throughput()),
          fmt("%.3f", p.ratio(cores)), ms(h.latencies().quantileMillis(0.99)),
          pct(b.othersCpuShare(cores)) + " / " + pct(h.othersCpuShare(cores)));
    }
    return t;
  }

  Table overload() {
    OpenLoopResult ov = run.overload();
    ClosedLoopResult cap = run.capacity();
    double seconds = ov.durationNanos() / 1e9;
    Table t = new Table("outcome", "requests", "per second", "p50 ms", "p99 ms", "max ms", "client / server /"
        + " others' CPU");
    t.row(fmt("capacity (closed loop, %d clients)", cap.clients()), Long.toString(cap.completed()),
        fmt("%.1f", cap.throughput()), ms(cap.latencies().quantileMillis(0.5)),
        ms(cap.latencies().quantileMillis(0.99)), ms(cap.latencies().maxMillis()),
        pct(cap.clientCpuShare(cores)) + " / " + pct(cap.serverCpuShare(cores)) + " / "
            + pct(cap.othersCpuShare(cores)));
    double window = ov.durationNanos() * (double) cores;
    t.row(fmt("offered (open loop, %.1f× capacity)", run.options().overloadFactor()), Long.toString(ov.offered()),
        fmt("%.1f", ov.offered() / seconds), "", "", "", pct(ov.clientCpuNanos() < 0 ? Double.NaN
            : ov.clientCpuNanos() / window) + " / " + pct(ov.serverCpuNanos() < 0 ? Double.NaN
            : ov.serverCpuNanos() / window) + " / " + pct(ov.othersCpuShare(cores)));
    t.row("answered (200)", Long.toString(ov.answered().count()), fmt("%.1f", ov.goodput()),
        ms(ov.answered().quantileMillis(0.5)), ms(ov.answered().quantileMillis(0.99)), ms(ov.answered().maxMillis()),
        "");
    t.row("rejected (503)", Long.toString(ov.rejected().count()), fmt("%.1f", ov.rejected().count() / seconds),
        ms(ov.rejected().quantileMillis(0.5)), ms(ov.rejected().quantileMillis(0.99)),
        ms(ov.rejected().maxMillis()), "");
    t.row("errors / not sent / unanswered", ov.errors() + " / " + ov.notSent() + " / " + ov.unanswered(), "", "", "",
        "", "");
    return t;
  }

  String console() {
    return "Targets\n" + targets().text() + "\nBare engine\n" + bare().text() + "\nHadron, closed loop\n"
        + hadron().text() + (run.pairs().isEmpty() ? "" : "\nThroughput target in pairs\n" + pairs().text())
        + "\nOverload (" + LoadTestRepository.BOUNDED_MODEL + ", max_queue_size "
        + run.options().maxQueueSize() + ")\n" + overload().text()
        + fmt("%nClient CPU share is this harness's CPU time over the window divided by wall time × %d cores.%n"
            + "Load average before %s, after %s. Run took %.0f s.%n", cores, run.loadBefore(), run.loadAfter(),
            run.wallNanos() / 1e9);
  }

  String markdown() {
    Environment env = run.environment();
    HarnessOptions o = run.options();
    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmark results\n\n");
    sb.append("Written by the benchmark harness (`java -jar loadtests/target/hadron-bench.jar`); "
        + "see [README.md](README.md) for how to rerun it and how to read it.\n\n");
    Table facts = Table.left("", "")
        .row("date", env.date())
        .row("CPU", env.cpuModel() + ", " + env.cores() + " cores")
        .row("OS", env.os())
        .row("JDK", env.jdk())
        .row("ONNX Runtime", env.ortVersion())
        .row("server flags", "`" + serverFlags() + "`")
        .row("ONNX Runtime session entries (MiniLM, bare and served)",
            o.ortConfig().isEmpty() ? "none (defaults)" : "`" + String.join("`, `", o.ortConfig()) + "`")
        .row("load average (1, 5, 15 min)", "before " + run.loadBefore() + ", after " + run.loadAfter())
        .row("run", o + fmt("; %.0f s in all", run.wallNanos() / 1e9));
    sb.append(facts.markdown()).append('\n');
    sb.append("## Targets\n\n").append(targets().markdown()).append('\n');
    sb.append("## Bare engine\n\nONNX Runtime in the harness's process, one caller, the same thread settings as "
        + "the server, the same inputs as the clients.\n\n").append(bare().markdown()).append('\n');
    sb.append("## Hadron, closed loop\n\nEach client sends its next request when the last is answered, over its "
        + "own keep-alive HTTP/1.1 connection. `× bare best` is requests per second over the bare engine's "
        + "samples per second for the same model at its best batch size (the one best over all rounds added up, "
        + "not each round's luckiest), taken in each round, and the median over the rounds that "
        + "other processes left alone (others' CPU at most "
        + fmt("%.0f%%", 100 * BenchRun.DISTURBED_SHARE) + " on both sides); the other columns add all rounds up. "
        + "Latency is client to client. CPU shares are of all cores: this client, the server, and whatever "
        + "else the machine ran meanwhile.\n\n")
        .append(hadron().markdown()).append('\n');
    if (!run.pairs().isEmpty()) {
      sb.append(fmt("## Throughput target, in pairs%n%nThe target's ratio: %d pairs, each the bare engine at every "
          + "batch size (%.1f s each after %.1f s of warm-up) and then Hadron, MiniLM binary at %d clients (%.0f s "
          + "after %.0f s), one right after the other so that both see the machine in the same state; Hadron's "
          + "requests over the counted pairs against the bare engine's samples over them at the batch size best "
          + "over them. A pair during which other processes took more than %.0f%% of the machine is not counted, "
          + "unless none was left alone.%n%n", run.pairs().size(), TargetPairs.BARE_WINDOW.toMillis() / 1e3,
          TargetPairs.BARE_WARMUP.toMillis() / 1e3, o.targetClients(), TargetPairs.WINDOW.toMillis() / 1e3,
          TargetPairs.WARMUP.toMillis() / 1e3, 100 * BenchRun.DISTURBED_SHARE)).append(pairs().markdown())
          .append('\n');
    }
    sb.append(fmt("## Overload\n\nOpen loop on `%s` (MiniLM with `max_queue_size: %d`), requests evenly spaced, "
        + "latency from each request's scheduled time.%n%n", LoadTestRepository.BOUNDED_MODEL, o.maxQueueSize()))
        .append(overload().markdown()).append('\n');
    sb.append("## Plots\n\n");
    for (String[] p : Plots.FILES) {
      sb.append("![").append(p[1]).append("](").append(p[0]).append(")\n\n");
    }
    return sb.toString();
  }

  private String serverFlags() {
    List<String> cmd = run.serverCommand();
    int jar = cmd.indexOf("-jar");
    // Flags after the jar, less the ones that change every run (free ports, the repository's location).
    List<String> flags = new ArrayList<>();
    for (int i = jar + 2; i < cmd.size(); i++) {
      String f = cmd.get(i);
      if (f.equals("--http-port") || f.equals("--grpc-port") || f.equals("--metrics-port")
          || f.equals("--model-repository")) {
        i++;
        continue;
      }
      flags.add(f);
    }
    return String.join(" ", flags);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static String ms(double millis) {
    if (Double.isNaN(millis)) {
      return "-";
    }
    return millis < 10 ? fmt("%.3f", millis) : millis < 100 ? fmt("%.1f", millis) : fmt("%.0f", millis);
  }

  private static String pct(double share) {
    return Double.isNaN(share) ? "-" : fmt("%.0f%%", 100 * share);
  }
}
