package io.hadron.loadtests.bench;

import ai.onnxruntime.OrtException;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Target;
import io.hadron.loadtests.client.Workload;
import io.hadron.loadtests.load.ClosedLoop;
import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.OpenLoop;
import io.hadron.loadtests.load.OpenLoopResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Question: how close does Hadron come to the physical limit, the bare engine running the same model
 * in one process with no server? And what do its clients see on the way (latency by concurrency,
 * requests left unanswered, overload handling)?
 *
 * <p>One run on one machine, all in this order:
 *
 * <ol>
 *   <li>Writes a model repository (the bundled models plus a MiniLM with a bounded queue, see {@link
 *       LoadTestRepository}) and starts the server on it from its jar, on loopback, with the same
 *       intra-op thread count the bare engine gets and {@code --default-max-batch-size}.
 *   <li>Rounds, each in the same order, so that drift in the machine's load spreads over everything:
 *       the bare engine on MiniLM at batch sizes 1..max; Hadron on MiniLM, binary protocol, at each
 *       concurrency, and once over JSON; the bare engine on {@code simple}; Hadron on {@code simple}
 *       over binary and JSON at each concurrency. Closed loop throughout ({@link ClosedLoop}): every
 *       latency recorded, unanswered requests counted, this process's and the server's CPU time read.
 *   <li>The throughput target in alternating pairs ({@link TargetPairs}): the bare engine on MiniLM at
 *       every batch size, then Hadron at the target concurrency, a few seconds each, repeated.
 *   <li>Capacity of the bounded model (closed loop), then an open-loop overload at a multiple of it
 *       ({@link OpenLoop}): every request must be answered or rejected (503), rejections fast.
 *   <li>Stops the server, prints the tables, writes {@code README.md}-ready markdown and PNG plots.
 * </ol>
 *
 * <p>Run from the repository root, after {@code ./mvnw -B -q package -DskipTests}:
 *
 * <pre>
 * java -jar loadtests/target/hadron-bench.jar [--quick] [flags]   (--help lists them)
 * </pre>
 *
 * <p>The client is measured too: its CPU share of the machine is reported next to every result, so
 * that a reader can tell when the client, not the server, was the limit.
 *
 * <p>Confined to the main thread.
 */
public final class Harness {
  private final HarnessOptions options;

  private Harness(HarnessOptions options) {
    this.options = options;
  }

  static BenchRun run(HarnessOptions o) throws IOException, InterruptedException, OrtException {
    return new Harness(o).run();
  }

  private BenchRun run() throws IOException, InterruptedException, OrtException {
    long t0 = System.nanoTime();
    String loadBefore = Environment.loadAverage();
    Environment env = Environment.capture(BareEngine.ortVersion());
    System.out.printf(Locale.ROOT, "Hadron benchmark: %s%n  %s, %d cores, %s, ONNX Runtime %s, load %s%n"
        + "  estimated %d s of measurement%n", options, env.cpuModel(), env.cores(), env.jdk(), env.ortVersion(),
        loadBefore, options.estimate().toSeconds());

    Path work = options.work();
    LoadTestRepository.ensureBundled(options.bundled(), options.serverJar(), work.resolve("bundled-server.log"));
    Path repo = LoadTestRepository.create(options.bundled(), work.resolve("repository"), options.maxBatchSize(),
        options.maxQueueSize(), options.ortConfig());

    Workload miniLm = Workload.miniLm(LoadTestRepository.MINILM, options.sequence());
    Workload simple = Workload.simple();
    List<Series> series = List.of(
        new Series("MiniLM binary", LoadTestRepository.MINILM, miniLm, Payload.Protocol.BINARY,
            options.miniLmClients()),
        new Series("MiniLM JSON", LoadTestRepository.MINILM, miniLm, Payload.Protocol.JSON,
            List.of(options.targetClients())),
        new Series("simple binary", LoadTestRepository.SIMPLE, simple, Payload.Protocol.BINARY,
            options.simpleClients()),
        new Series("simple JSON", LoadTestRepository.SIMPLE, simple, Payload.Protocol.JSON,
            options.simpleClients()));
    Series target = series.getFirst();
    Map<String, BareSeries> bare = new LinkedHashMap<>();
    bare.put(LoadTestRepository.MINILM, new BareSeries(LoadTestRepository.MINILM));
    bare.put(LoadTestRepository.SIMPLE, new BareSeries(LoadTestRepository.SIMPLE));

    List<String> serverArgs = new ArrayList<>(List.of("--model-repository", repo.toString(),
        "--intra-op-threads", Integer.toString(options.intraOpThreads()),
        "--default-max-batch-size", Integer.toString(options.maxBatchSize())));
    serverArgs.addAll(options.serverArgs());
    TargetPairs pairs = new TargetPairs(LoadTestRepository.MINILM);
    ClosedLoopResult capacity;
    OpenLoopResult overload;
    List<String> command;
    try (ServerProcess server = ServerProcess.start(options.serverJar(), options.serverJvmArgs(), serverArgs,
            work.resolve("server.log"), Duration.ofMinutes(3));
        BareEngine bareMiniLm = BareEngine.load(repo.resolve(LoadTestRepository.MINILM + "/1/model.onnx"),
            options.intraOpThreads(), options.ortConfig());
        BareEngine bareSimple = BareEngine.load(repo.resolve(LoadTestRepository.SIMPLE + "/1/model.onnx"),
            options.intraOpThreads(), List.of())) {
      command = server.command();
      System.out.printf(Locale.ROOT, "Server ready (pid %d) at %s%n", server.pid(), server.target().baseUrl());
      for (int round = 1; round <= options.rounds(); round++) {
        String tag = "[round " + round + "/" + options.rounds() + "]";
        // MiniLM first, bare then served, then simple: each ratio's two sides minutes apart at most.
        measure(tag, round - 1, server, bareMiniLm, miniLm, bare.get(LoadTestRepository.MINILM),
            series.subList(0, 2));
        measure(tag, round - 1, server, bareSimple, simple, bare.get(LoadTestRepository.SIMPLE),
            series.subList(2, 4));
      }
      measurePairs(server, bareMiniLm, miniLm, target, pairs);
      Payload bounded = Payload.binary(Workload.miniLm(LoadTestRepository.BOUNDED_MODEL, options.sequence()));
      int probeClients = Math.min(options.targetClients(), options.maxQueueSize());
      capacity = closedLoop(server, bounded, probeClients);
      printClosed("[overload]", "capacity of " + LoadTestRepository.BOUNDED_MODEL, capacity, Double.NaN);
      double rate = options.overloadFactor() * capacity.throughput();
      System.out.printf(Locale.ROOT, "[overload] offering %.1f req/s (%.1fx capacity) for %d s%n", rate,
          options.overloadFactor(), options.overloadDuration().toSeconds());
      overload = OpenLoop.run(server.target(), bounded,
          new OpenLoop.Settings(rate, options.overloadDuration(), options.grace(), 4096), server.cpu());
      printOverload(overload);
    }
    String loadAfter = Environment.loadAverage();
    return new BenchRun(env, options, command, loadBefore, loadAfter, System.nanoTime() - t0, bare, series,
        target, pairs, capacity, overload);
  }

  /** One model's part of a round: the bare engine at every batch size, then each series at each concurrency. */
  private void measure(String tag, int round, ServerProcess server, BareEngine engine, Workload w,
      BareSeries bare, List<Series> series) throws IOException, InterruptedException, OrtException {
    for (int b = 1; b <= options.maxBatchSize(); b++) {
      BareResult r = engine.measure(w, b, options.bareWarmup(), options.bareMeasure(), server.cpu());
      bare.add(round, r);
      printBare(tag, w.model(), r);
    }
    // As the report does: the batch size best over the rounds so far, at its rate in this round.
    double best = bare.best(round).samplesPerSecond();
    for (Series s : series) {
      for (int c : s.clients()) {
        ClosedLoopResult r = closedLoop(server, s.payload(), c);
        s.add(round, r);
        printClosed(tag, s.label(), r, best);
      }
    }
  }

  /** The throughput target in pairs, one right after the other; see {@link TargetPairs}. */
  private void measurePairs(ServerProcess server, BareEngine engine, Workload w, Series target,
      TargetPairs pairs) throws IOException, InterruptedException, OrtException {
    for (int p = 0; p < options.targetPairs(); p++) {
      String tag = "[pair " + (p + 1) + "/" + options.targetPairs() + "]";
      List<BareResult> bare = new ArrayList<>();
      for (int b = 1; b <= options.maxBatchSize(); b++) {
        BareResult r = engine.measure(w, b, TargetPairs.BARE_WARMUP, TargetPairs.BARE_WINDOW, server.cpu());
        bare.add(r);
        printBare(tag, w.model(), r);
      }
      ClosedLoopResult served = ClosedLoop.run(server.target(), target.payload(), new ClosedLoop.Settings(
          options.targetClients(), TargetPairs.WARMUP, TargetPairs.WINDOW, options.grace()), server.cpu());
      pairs.add(p, bare, served);
      printClosed(tag, target.label(), served, Double.NaN); // the ratios need every pair: see the report
    }
  }

  private ClosedLoopResult closedLoop(ServerProcess server, Payload payload, int clients)
      throws IOException, InterruptedException {
    Target t = server.target();
    return ClosedLoop.run(t, payload,
        new ClosedLoop.Settings(clients, options.warmup(), options.measure(), options.grace()), server.cpu());
  }

  private static void printBare(String tag, String model, BareResult r) {
    System.out.printf(Locale.ROOT, "%s bare %s batch %d: %.1f samples/s, call p50 %.3f ms p99 %.3f ms, CPU others"
        + " %.0f%%%n", tag, model, r.batch(), r.samplesPerSecond(), r.latencies().quantileMillis(0.5),
        r.latencies().quantileMillis(0.99), 100 * r.othersCpuShare(Runtime.getRuntime().availableProcessors()));
  }

  private void printClosed(String tag, String label, ClosedLoopResult r, double bestBare) {
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT, "%s %s, %d clients: %.1f req/s%s, p50 %.3f ms, p99 %.3f ms, errors %d,"
        + " unanswered %d, CPU client %.0f%% server %.0f%% others %.0f%%%s%n", tag, label, r.clients(),
        r.throughput(),
        Double.isNaN(bestBare) ? "" : String.format(Locale.ROOT, " (%.3fx bare)", r.throughput() / bestBare),
        r.latencies().quantileMillis(0.5), r.latencies().quantileMillis(0.99), r.errors(), r.unanswered(),
        100 * r.clientCpuShare(cores), 100 * r.serverCpuShare(cores), 100 * r.othersCpuShare(cores),
        r.firstError().isEmpty() ? "" : " first error: " + r.firstError());
  }

  private static void printOverload(OpenLoopResult r) {
    System.out.printf(Locale.ROOT, "[overload] offered %d: answered %d, rejected %d (%.0f%%), errors %d, not sent"
        + " %d, unanswered %d; answered p50 %.1f ms p99 %.1f ms; rejected p50 %.2f ms p99 %.2f ms%s%n",
        r.offered(), r.answered().count(), r.rejected().count(), 100 * r.rejectedShare(), r.errors(), r.notSent(),
        r.unanswered(), r.answered().quantileMillis(0.5), r.answered().quantileMillis(0.99),
        r.rejected().quantileMillis(0.5), r.rejected().quantileMillis(0.99),
        r.firstError().isEmpty() ? "" : " first error: " + r.firstError());
  }

  /** Runs the harness and writes its report; see {@link HarnessOptions#USAGE}. */
  static int bench(String... args) throws Exception {
    HarnessOptions o = HarnessOptions.parse(args);
    BenchRun run = run(o);
    Report report = new Report(run);
    System.out.println();
    System.out.println(report.console());
    Files.createDirectories(o.out());
    Plots.write(run, o.out());
    Files.writeString(o.out().resolve("results.md"), report.markdown());
    System.out.println("Report and plots written under " + o.out());
    return 0;
  }
}
