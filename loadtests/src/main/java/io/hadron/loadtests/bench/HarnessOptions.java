package io.hadron.loadtests.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark harness's settings, from its command line. Every number is bounded so that a run
 * stays bounded in time and load; a value out of bounds is an error naming the flag, never clamped.
 *
 * <p>Immutable.
 *
 * @param serverJar the server to start
 * @param out where the report and plots go
 * @param work where the generated repository and the server log go
 * @param bundled where the server writes its bundled models (the source of the model files)
 * @param rounds how often the whole set of measurements repeats, interleaved
 * @param warmup each closed-loop measurement's warm-up
 * @param measure each closed-loop measurement's window
 * @param grace how long to wait for answers after a window
 * @param bareWarmup each bare-engine measurement's warm-up
 * @param bareMeasure each bare-engine measurement's window
 * @param intraOpThreads engine threads per operator, for the server and the bare engine alike
 * @param maxBatchSize the server's {@code --default-max-batch-size}; the bare engine runs 1..this
 * @param sequence MiniLM tokens per request
 * @param miniLmClients concurrencies for MiniLM
 * @param simpleClients concurrencies for {@code simple}
 * @param targetClients the MiniLM concurrency the throughput target is judged at
 * @param targetPairs how many alternating bare/Hadron pairs the throughput target is measured in
 *     ({@link TargetPairs}); 0 judges it on the rounds alone
 * @param overloadFactor the overload offered, as a multiple of measured capacity
 * @param overloadDuration how long the overload is offered
 * @param maxQueueSize the bounded model's {@code max_queue_size}
 * @param serverJvmArgs extra options for the server's JVM
 * @param serverArgs extra flags for the server
 * @param ortConfig ONNX Runtime session configuration entries ({@code key=value}), given to the
 *     bare engine and, as {@code hadron.ort_config.<key>} parameters, to the served MiniLM models
 */
record HarnessOptions(
    Path serverJar,
    Path out,
    Path work,
    Path bundled,
    int rounds,
    Duration warmup,
    Duration measure,
    Duration grace,
    Duration bareWarmup,
    Duration bareMeasure,
    int intraOpThreads,
    int maxBatchSize,
    int sequence,
    List<Integer> miniLmClients,
    List<Integer> simpleClients,
    int targetClients,
    int targetPairs,
    double overloadFactor,
    Duration overloadDuration,
    int maxQueueSize,
    List<String> serverJvmArgs,
    List<String> serverArgs,
    List<String> ortConfig) {

  static final String USAGE = """
      Usage: java -jar loadtests/target/hadron-bench.jar [flags]
             java -jar loadtests/target/hadron-bench.jar repository [flags]   (only write the repository)

      Run from the repository root. Paths are relative to the working directory.
        --server-jar PATH          server to start (default server/target/hadron-server.jar)
        --out DIR                  report and plots (default docs/benchmarks)
        --work DIR                 generated repository and server log (default loadtests/target/bench)
        --bundled-models DIR       where the server writes its bundled models
                                   (default <tmpdir>/hadron-<user>/bundled-models)
        --rounds N                 interleaved rounds of all measurements, 1-5 (default 3)
        --warmup S, --seconds S    closed-loop warm-up and window per point (default 1.5, 5)
        --grace S                  wait for answers after a window, 1-60 (default 10)
        --bare-warmup S, --bare-seconds S
                                   bare engine warm-up and window per batch size (default 1, 3)
        --intra-op-threads N       engine threads, server and bare engine (default: available processors)
        --max-batch-size N         server's --default-max-batch-size; bare runs 1..N (default 4)
        --sequence N               MiniLM tokens per request (default 128)
        --minilm-clients LIST      MiniLM concurrencies (default 1,4,8,16,32)
        --simple-clients LIST      simple concurrencies (default 1,8,32,128)
        --target-clients N         concurrency of the MiniLM throughput target (default 16)
        --target-pairs N           the throughput target is judged on N alternating pairs: the bare
                                   engine at every batch size (2 s each), then Hadron (4 s), 0-20
                                   (default 6; 0 judges it on the rounds alone)
        --overload-factor X        overload as a multiple of capacity, 1-10 (default 3)
        --overload-seconds S       overload duration (default 20)
        --max-queue-size N         bounded model's max_queue_size (default 16)
        --server-jvm-arg ARG       extra server JVM option (repeatable), e.g. -XX:StartFlightRecording=...
        --server-arg ARG           extra server flag (repeatable), e.g. --server-arg=--model-load-threads=1
        --ort-config KEY=VALUE     ONNX Runtime session entry for the bare engine and the served MiniLM
                                   models alike (repeatable), e.g. session.intra_op.allow_spinning=0
        --quick                    a smoke run: 1 round, short windows (other flags still apply)
        --help                     print this and exit
      Durations are seconds (decimals allowed). Flags take a value as the next argument or after '='.
      """;

  HarnessOptions {
    serverJvmArgs = List.copyOf(serverJvmArgs);
    serverArgs = List.copyOf(serverArgs);
    ortConfig = List.copyOf(ortConfig);
    for (String e : ortConfig) {
      int eq = e.indexOf('=');
      if (eq <= 0 || eq == e.length() - 1) {
        throw new IllegalArgumentException("--ort-config needs key=value, got '" + e + "'");
      }
    }
    miniLmClients = List.copyOf(miniLmClients);
    simpleClients = List.copyOf(simpleClients);
    between("--rounds", rounds, 1, 5);
    seconds("--warmup", warmup, 0, 60);
    seconds("--seconds", measure, 0.5, 120);
    seconds("--grace", grace, 1, 60);
    seconds("--bare-warmup", bareWarmup, 0, 30);
    seconds("--bare-seconds", bareMeasure, 0.5, 60);
    between("--intra-op-threads", intraOpThreads, 0, 256);
    between("--max-batch-size", maxBatchSize, 1, 64);
    between("--sequence", sequence, 2, 512);
    clients("--minilm-clients", miniLmClients);
    clients("--simple-clients", simpleClients);
    if (!miniLmClients.contains(targetClients)) {
      throw new IllegalArgumentException("--target-clients " + targetClients + " is not among --minilm-clients "
          + miniLmClients);
    }
    between("--target-pairs", targetPairs, 0, 20);
    if (!(overloadFactor >= 1 && overloadFactor <= 10)) {
      throw new IllegalArgumentException("--overload-factor must be between 1 and 10, got " + overloadFactor);
    }
    seconds("--overload-seconds", overloadDuration, 1, 120);
    between("--max-queue-size", maxQueueSize, 1, 10_000);
  }

  static HarnessOptions defaults() {
    return new HarnessOptions(Path.of("server/target/hadron-server.jar"), Path.of("docs/benchmarks"),
        Path.of("loadtests/target/bench"), LoadTestRepository.defaultBundledDirectory(), 3, secs(1.5), secs(5),
        secs(10), secs(1), secs(3), Runtime.getRuntime().availableProcessors(), 4, 128, List.of(1, 4, 8, 16, 32),
        List.of(1, 8, 32, 128), 16, 6, 3.0, secs(20), 16, List.of(), List.of(), List.of());
  }

  /** The settings of a short smoke run. */
  HarnessOptions quick() {
    return new HarnessOptions(serverJar, out, work, bundled, 1, secs(1), secs(2), grace, Duration.ZERO,
        secs(1), intraOpThreads, maxBatchSize, sequence, miniLmClients, simpleClients, targetClients, 1,
        overloadFactor, secs(5), maxQueueSize, serverJvmArgs, serverArgs, ortConfig);
  }

  /**
   * Parses the flags.
   *
   * @throws IllegalArgumentException naming the flag and value at fault
   */
  static HarnessOptions parse(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    // --quick picks the starting point wherever it stands; the other flags then apply on top.
    boolean quick = rest.removeIf(a -> a.equals("--quick"));
    Builder b = new Builder(quick ? defaults().quick() : defaults());
    List<String> jvmArgs = new ArrayList<>();
    List<String> serverArgs = new ArrayList<>();
    while (!rest.isEmpty()) {
      String arg = rest.removeFirst();
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (see --help)");
      }
      if (value == null) {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = rest.removeFirst();
      }
      switch (flag) {
        case "--server-jar" -> b.serverJar = Path.of(value);
        case "--out" -> b.out = Path.of(value);
        case "--work" -> b.work = Path.of(value);
        case "--bundled-models" -> b.bundled = Path.of(value);
        case "--rounds" -> b.rounds = intFlag(flag, value);
        case "--warmup" -> b.warmup = secondsFlag(flag, value);
        case "--seconds" -> b.measure = secondsFlag(flag, value);
        case "--grace" -> b.grace = secondsFlag(flag, value);
        case "--bare-warmup" -> b.bareWarmup = secondsFlag(flag, value);
        case "--bare-seconds" -> b.bareMeasure = secondsFlag(flag, value);
        case "--intra-op-threads" -> b.intraOpThreads = intFlag(flag, value);
        case "--max-batch-size" -> b.maxBatchSize = intFlag(flag, value);
        case "--sequence" -> b.sequence = intFlag(flag, value);
        case "--minilm-clients" -> b.miniLmClients = listFlag(flag, value);
        case "--simple-clients" -> b.simpleClients = listFlag(flag, value);
        case "--target-clients" -> b.targetClients = intFlag(flag, value);
        case "--target-pairs" -> b.targetPairs = intFlag(flag, value);
        case "--overload-factor" -> b.overloadFactor = doubleFlag(flag, value);
        case "--overload-seconds" -> b.overloadDuration = secondsFlag(flag, value);
        case "--max-queue-size" -> b.maxQueueSize = intFlag(flag, value);
        case "--server-jvm-arg" -> jvmArgs.add(value);
        case "--server-arg" -> serverArgs.add(value);
        case "--ort-config" -> b.ortConfig.add(value);
        default -> throw new IllegalArgumentException("unknown flag '" + flag + "' (see --help)");
      }
    }
    return b.build(jvmArgs, serverArgs);
  }

  /**
   * An upper estimate of the run's wall time without start-up: every measurement with its warm-up,
   * and the grace period where a run waits for it.
   */
  Duration estimate() {
    double closed = warmup.toMillis() + measure.toMillis();
    double bare = bareWarmup.toMillis() + bareMeasure.toMillis();
    double perRound = closed * (miniLmClients.size() + 1 + 2 * simpleClients.size()) + bare * 2 * maxBatchSize;
    double overload = 5_000 + overloadDuration.toMillis();
    double pairs = TargetPairs.estimate(targetPairs, maxBatchSize).toMillis();
    return Duration.ofMillis((long) (rounds * perRound + pairs + overload));
  }

  private static Duration secs(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }

  private static void between(String flag, int v, int min, int max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(flag + " must be between " + min + " and " + max + ", got " + v);
    }
  }

  private static void seconds(String flag, Duration d, double min, double max) {
    double s = d.toMillis() / 1000.0;
    if (s < min || s > max) {
      throw new IllegalArgumentException(flag + " must be between " + min + " and " + max + " seconds, got " + s);
    }
  }

  private static void clients(String flag, List<Integer> list) {
    if (list.isEmpty()) {
      throw new IllegalArgumentException(flag + " needs at least one concurrency");
    }
    int previous = 0;
    for (int c : list) {
      if (c < 1 || c > 512) {
        throw new IllegalArgumentException(flag + ": each concurrency must be between 1 and 512, got " + c);
      }
      if (c <= previous) {
        throw new IllegalArgumentException(flag + " must be increasing, got " + list);
      }
      previous = c;
    }
  }

  private static int intFlag(String flag, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
    }
  }

  private static double doubleFlag(String flag, String value) {
    try {
      double d = Double.parseDouble(value.trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
  }

  private static Duration secondsFlag(String flag, String value) {
    return secs(doubleFlag(flag, value));
  }

  private static List<Integer> listFlag(String flag, String value) {
    List<Integer> list = new ArrayList<>();
    for (String part : value.split(",")) {
      list.add(intFlag(flag, part));
    }
    return list;
  }

  /** Mutable collector of parsed values; validated all at once by the record. */
  private static final class Builder {
    Path serverJar;
    Path out;
    Path work;
    Path bundled;
    int rounds;
    Duration warmup;
    Duration measure;
    Duration grace;
    Duration bareWarmup;
    Duration bareMeasure;
    int intraOpThreads;
    int maxBatchSize;
    int sequence;
    List<Integer> miniLmClients;
    List<Integer> simpleClients;
    int targetClients;
    int targetPairs;
    double overloadFactor;
    Duration overloadDuration;
    int maxQueueSize;
    final List<String> serverJvmArgs;
    final List<String> serverArgs;
    final List<String> ortConfig;

    Builder(HarnessOptions o) {
      serverJar = o.serverJar;
      out = o.out;
      work = o.work;
      bundled = o.bundled;
      rounds = o.rounds;
      warmup = o.warmup;
      measure = o.measure;
      grace = o.grace;
      bareWarmup = o.bareWarmup;
      bareMeasure = o.bareMeasure;
      intraOpThreads = o.intraOpThreads;
      maxBatchSize = o.maxBatchSize;
      sequence = o.sequence;
      miniLmClients = o.miniLmClients;
      simpleClients = o.simpleClients;
      targetClients = o.targetClients;
      targetPairs = o.targetPairs;
      overloadFactor = o.overloadFactor;
      overloadDuration = o.overloadDuration;
      maxQueueSize = o.maxQueueSize;
      serverJvmArgs = o.serverJvmArgs;
      serverArgs = o.serverArgs;
      ortConfig = new ArrayList<>(o.ortConfig);
    }

    HarnessOptions build(List<String> moreJvmArgs, List<String> moreServerArgs) {
      List<String> jvm = new ArrayList<>(serverJvmArgs);
      jvm.addAll(moreJvmArgs);
      List<String> server = new ArrayList<>(serverArgs);
      server.addAll(moreServerArgs);
      return new HarnessOptions(serverJar, out, work, bundled, rounds, warmup, measure, grace, bareWarmup,
          bareMeasure, intraOpThreads, maxBatchSize, sequence, miniLmClients, simpleClients, targetClients,
          targetPairs, overloadFactor, overloadDuration, maxQueueSize, jvm, server, ortConfig);
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d round(s), %.1f s warm-up + %.1f s per point, bare %.1f + %.1f s per batch"
        + " size, %d target pair(s), intra-op threads %d, max batch %d, sequence %d", rounds,
        warmup.toMillis() / 1e3, measure.toMillis() / 1e3, bareWarmup.toMillis() / 1e3, bareMeasure.toMillis() / 1e3,
        targetPairs, intraOpThreads, maxBatchSize, sequence);
  }
}
