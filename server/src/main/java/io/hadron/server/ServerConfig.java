package io.hadron.server;

import io.hadron.server.cpu.EngineThreadPolicy;
import io.hadron.server.repository.ModelControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server-wide settings, from command-line flags and environment variables. Immutable;
 * {@link #parse(Map, String...)} rejects an unknown flag or a bad value with a message naming it,
 * never clamping silently.
 *
 * @param modelRepository the user's repository, or empty to serve the bundled models
 * @param maxRequestBytes largest request body accepted; larger ones get HTTP 413
 * @param intraOpThreads engine threads inside one operator per instance (0 = engine default)
 * @param interOpThreads engine threads across operators per instance (0 = engine default)
 * @param defaultMaxBatchSize max_batch_size given by auto-complete to models that can batch
 * @param modelLoadThreads size of the pool that loads models (a slow load never blocks serving)
 * @param grpcPort the KServe v2 gRPC port (0 = any free port)
 * @param grpcMaxMessageBytes largest gRPC request message accepted; larger ones get RESOURCE_EXHAUSTED
 * @param metrics whether to keep Prometheus metrics and serve them on {@code metricsPort}
 * @param metricsPort the Prometheus {@code /metrics} port (0 = any free port); unused with metrics off
 * @param shutdownDelay how long the server keeps serving, already reporting not ready, after a stop
 *     is asked for: time for load balancers to take it out of rotation
 * @param shutdownTimeout how long queued and executing requests get to finish once the listeners
 *     stop accepting; what is left then fails with UNAVAILABLE
 * @param modelControl when models load and unload: all at start ({@code none}), on request of the
 *     repository API ({@code explicit}), or also when a request needs an evicted model ({@code
 *     on-demand})
 * @param loadModels with explicit or on-demand control, the models loaded at start ({@code *}: all)
 * @param onDemandTimeout how long a request waits for its model to load on demand
 * @param hostMemoryBudget bytes the models on the CPU may take together (0 = no limit); a load that
 *     would pass it evicts idle models, least recently used first
 * @param gpuMemoryFraction the fraction of each GPU's memory models may take together
 * @param pytorchCacheDir where the PyTorch engine's native libraries are unpacked (empty = the
 *     engine's default under the temp directory)
 * @param engineThreadPolicy the CPU scheduling class of the threads that run engines
 */
public record ServerConfig(
    Optional<Path> modelRepository,
    String host,
    int httpPort,
    long maxRequestBytes,
    int intraOpThreads,
    int interOpThreads,
    int defaultMaxBatchSize,
    int modelLoadThreads,
    int grpcPort,
    long grpcMaxMessageBytes,
    boolean metrics,
    int metricsPort,
    Duration shutdownDelay,
    Duration shutdownTimeout,
    ModelControl modelControl,
    List<String> loadModels,
    Duration onDemandTimeout,
    long hostMemoryBudget,
    double gpuMemoryFraction,
    Optional<Path> pytorchCacheDir,
    EngineThreadPolicy engineThreadPolicy) {

  public static final long DEFAULT_MAX_REQUEST_BYTES = 64L * 1024 * 1024;
  /** gRPC's own ceiling (a message length is a 32-bit field), and Triton's default. */
  public static final long DEFAULT_GRPC_MAX_MESSAGE_BYTES = Integer.MAX_VALUE;
  /** Kubernetes' default termination grace period, and Triton's default exit timeout. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  /** Prefix of the environment variable that stands for a flag: --http-port is HADRON_HTTP_PORT. */
  public static final String ENV_PREFIX = "HADRON_";
  /**
   * Leaves a tenth of each GPU to the CUDA context, the engines' workspaces and other processes;
   * the figure PyTorch users and Triton deployments commonly reserve.
   */
  public static final double DEFAULT_GPU_MEMORY_FRACTION = 0.9;

  public static ServerConfig defaults() {
    return new Builder().build();
  }

  public ServerConfig {
    checkPort("--http-port", httpPort);
    if (maxRequestBytes < 1 || maxRequestBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "--max-request-size must be between 1 and " + Integer.MAX_VALUE + " bytes, got " + maxRequestBytes);
    }
    atLeast("--intra-op-threads", intraOpThreads, 0);
    atLeast("--inter-op-threads", interOpThreads, 0);
    atLeast("--default-max-batch-size", defaultMaxBatchSize, 0);
    atLeast("--model-load-threads", modelLoadThreads, 1);
    checkPort("--grpc-port", grpcPort);
    if (grpcMaxMessageBytes < 1 || grpcMaxMessageBytes > DEFAULT_GRPC_MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException("--grpc-max-message-size must be between 1 and "
          + DEFAULT_GRPC_MAX_MESSAGE_BYTES + " bytes, got " + grpcMaxMessageBytes);
    }
    if (grpcPort != 0 && grpcPort == httpPort) {
      throw new IllegalArgumentException("--grpc-port " + grpcPort + " conflicts with --http-port " + httpPort
          + "; the two protocols need separate ports");
    }
    checkPort("--metrics-port", metricsPort);
    if (metrics && metricsPort != 0 && (metricsPort == httpPort || metricsPort == grpcPort)) {
      throw new IllegalArgumentException("--metrics-port " + metricsPort + " conflicts with --"
          + (metricsPort == httpPort ? "http" : "grpc") + "-port; metrics need a port of their own");
    }
    notNegative("--shutdown-delay", shutdownDelay);
    notNegative("--shutdown-timeout", shutdownTimeout);
    java.util.Objects.requireNonNull(modelControl, "modelControl");
    loadModels = List.copyOf(loadModels);
    if (!loadModels.isEmpty() && modelControl == ModelControl.NONE) {
      throw new IllegalArgumentException("--load-model " + loadModels + " needs --model-control-mode explicit or"
          + " on-demand; with control mode none every model loads at start");
    }
    notNegative("--on-demand-timeout", onDemandTimeout);
    if (onDemandTimeout.isZero()) {
      throw new IllegalArgumentException("--on-demand-timeout must be more than 0");
    }
    if (hostMemoryBudget < 0) {
      throw new IllegalArgumentException("--host-memory-budget must be 0 (no limit) or more bytes, got "
          + hostMemoryBudget);
    }
    if (!(gpuMemoryFraction > 0 && gpuMemoryFraction <= 1)) {
      throw new IllegalArgumentException("--gpu-memory-fraction must be more than 0 and at most 1, got "
          + gpuMemoryFraction);
    }
    java.util.Objects.requireNonNull(engineThreadPolicy, "engineThreadPolicy");
  }

  private static void notNegative(String flag, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(flag + " must be a duration of 0 or more, got " + d);
    }
  }

  private static void checkPort(String flag, int port) {
    // 0 asks the OS for a free port (tests use it).
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(flag + " must be between 0 and 65535, got " + port);
    }
  }

  private static void atLeast(String flag, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(flag + " must be >= " + min + ", got " + v);
    }
  }

  /** A builder holding this configuration's values, to change some and build a new one. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public ServerConfig withHttpPort(int port) {
    return toBuilder().httpPort(port).build();
  }

  public ServerConfig withModelRepository(Path repo) {
    return toBuilder().modelRepository(Optional.of(repo)).build();
  }

  public ServerConfig withGrpcPort(int port) {
    return toBuilder().grpcPort(port).build();
  }

  public ServerConfig withGrpcMaxMessageBytes(long bytes) {
    return toBuilder().grpcMaxMessageBytes(bytes).build();
  }

  public ServerConfig withMaxRequestBytes(long bytes) {
    return toBuilder().maxRequestBytes(bytes).build();
  }

  public ServerConfig withMetrics(boolean on) {
    return toBuilder().metrics(on).build();
  }

  public ServerConfig withMetricsPort(int port) {
    return toBuilder().metricsPort(port).build();
  }

  /**
   * Mutable holder of every setting, validated as a whole by {@link #build()}. Confined to the
   * thread that uses it.
   */
  public static final class Builder {
    private Optional<Path> modelRepository = Optional.empty();
    private String host = "0.0.0.0";
    private int httpPort = 8000;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int intraOpThreads;
    private int interOpThreads;
    private int defaultMaxBatchSize = 4;
    private int modelLoadThreads = 2;
    private int grpcPort = 8001;
    private long grpcMaxMessageBytes = DEFAULT_GRPC_MAX_MESSAGE_BYTES;
    private boolean metrics = true;
    private int metricsPort = 8002;
    private Duration shutdownDelay = Duration.ZERO;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private ModelControl modelControl = ModelControl.NONE;
    private List<String> loadModels = new ArrayList<>();
    private Duration onDemandTimeout = Duration.ofSeconds(60);
    private long hostMemoryBudget;
    private double gpuMemoryFraction = DEFAULT_GPU_MEMORY_FRACTION;
    private Optional<Path> pytorchCacheDir = Optional.empty();
    private EngineThreadPolicy engineThreadPolicy = EngineThreadPolicy.IDLE;

    public Builder() {}

    private Builder(ServerConfig c) {
      modelRepository = c.modelRepository;
      host = c.host;
      httpPort = c.httpPort;
      maxRequestBytes = c.maxRequestBytes;
      intraOpThreads = c.intraOpThreads;
      interOpThreads = c.interOpThreads;
      defaultMaxBatchSize = c.defaultMaxBatchSize;
      modelLoadThreads = c.modelLoadThreads;
      grpcPort = c.grpcPort;
      grpcMaxMessageBytes = c.grpcMaxMessageBytes;
      metrics = c.metrics;
      metricsPort = c.metricsPort;
      shutdownDelay = c.shutdownDelay;
      shutdownTimeout = c.shutdownTimeout;
      modelControl = c.modelControl;
      loadModels = new ArrayList<>(c.loadModels);
      onDemandTimeout = c.onDemandTimeout;
      hostMemoryBudget = c.hostMemoryBudget;
      gpuMemoryFraction = c.gpuMemoryFraction;
      pytorchCacheDir = c.pytorchCacheDir;
      engineThreadPolicy = c.engineThreadPolicy;
    }

    public Builder modelRepository(Optional<Path> v) { modelRepository = v; return this; }
    public Builder host(String v) { host = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }
    public Builder intraOpThreads(int v) { intraOpThreads = v; return this; }
    public Builder interOpThreads(int v) { interOpThreads = v; return this; }
    public Builder defaultMaxBatchSize(int v) { defaultMaxBatchSize = v; return this; }
    public Builder modelLoadThreads(int v) { modelLoadThreads = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder grpcMaxMessageBytes(long v) { grpcMaxMessageBytes = v; return this; }
    public Builder metrics(boolean v) { metrics = v; return this; }
    public Builder metricsPort(int v) { metricsPort = v; return this; }
    public Builder shutdownDelay(Duration v) { shutdownDelay = v; return this; }
    public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }
    public Builder modelControl(ModelControl v) { modelControl = v; return this; }
    /** Adds one model to load at start (the flag repeats). */
    public Builder loadModel(String v) { loadModels.add(v); return this; }
    public Builder onDemandTimeout(Duration v) { onDemandTimeout = v; return this; }
    public Builder hostMemoryBudget(long v) { hostMemoryBudget = v; return this; }
    public Builder gpuMemoryFraction(double v) { gpuMemoryFraction = v; return this; }
    public Builder pytorchCacheDir(Optional<Path> v) { pytorchCacheDir = v; return this; }
    public Builder engineThreadPolicy(EngineThreadPolicy v) { engineThreadPolicy = v; return this; }

    /** @throws IllegalArgumentException naming the flag and value at fault */
    public ServerConfig build() {
      return new ServerConfig(modelRepository, host, httpPort, maxRequestBytes, intraOpThreads, interOpThreads,
          defaultMaxBatchSize, modelLoadThreads, grpcPort, grpcMaxMessageBytes, metrics, metricsPort,
          shutdownDelay, shutdownTimeout, modelControl, loadModels, onDemandTimeout, hostMemoryBudget,
          gpuMemoryFraction, pytorchCacheDir, engineThreadPolicy);
    }
  }

  /** The flags, for {@code --help}. */
  public static final String USAGE = """
      Usage: java -jar hadron-server.jar [flags]

        --model-repository DIR      serve the models in DIR (Triton layout) instead of the bundled ones
        --host ADDR                 address to listen on (default 0.0.0.0)
        --http-port N               KServe v2 HTTP port (default 8000)
        --grpc-port N               KServe v2 gRPC port (default 8001)
        --max-request-size BYTES    largest request body; larger gets 413 (default 67108864 = 64 MiB);
                                    suffixes k, m, g (binary) accepted
        --grpc-max-message-size BYTES
                                    largest gRPC request message; larger gets RESOURCE_EXHAUSTED
                                    (default 2147483647 = 2 GiB - 1); suffixes k, m, g accepted
        --intra-op-threads N        engine threads within an operator, per instance (default 0 = engine's choice)
        --inter-op-threads N        engine threads across operators, per instance (default 0 = engine's choice)
        --default-max-batch-size N  max_batch_size given to auto-completed models that can batch (default 4)
        --model-load-threads N      models loaded in parallel (default 2)
        --metrics BOOL              keep Prometheus metrics and serve them (default true); false keeps
                                    only the statistics of /v2/models/.../stats
        --metrics-port N            Prometheus /metrics port (default 8002)
        --shutdown-delay DURATION   on SIGTERM, keep serving this long while reporting not ready
                                    (default 0s); suffixes ms, s, m, seconds without one
        --shutdown-timeout DURATION time queued and executing requests get to finish once the
                                    listeners stop accepting (default 30s)
        --model-control-mode MODE   none: load every model at start (default); explicit: load and
                                    unload through /v2/repository (Triton's explicit mode);
                                    on-demand: explicit, and a request for a model that is not
                                    loaded (evicted, say) loads it and waits for it
        --load-model NAME           with explicit or on-demand control, load NAME at start;
                                    repeatable, or comma-separated; * loads every model
        --on-demand-timeout DURATION
                                    how long a request waits for its model to load on demand (default 60s)
        --host-memory-budget BYTES  memory the models on the CPU may take together; a load that
                                    does not fit evicts idle models, least recently used first
                                    (default 0 = no limit); suffixes k, m, g accepted
        --gpu-memory-fraction X     fraction of each GPU's memory models may take (default 0.9)
        --pytorch-cache-dir DIR     where PyTorch's native libraries are unpacked
                                    (default <tmpdir>/hadron-<user>/pytorch)
        --engine-thread-policy POLICY
                                    CPU class of the threads that run engines: idle (default, Linux
                                    SCHED_IDLE: event loops and the rest of the server preempt the
                                    engines at once, which keeps refusals and small answers fast
                                    while batches run) or normal (equal shares with every thread)
        --help                      print this and exit
      Flags take their value as the next argument or after '=' (--http-port=8080).
      Every flag can also be set by an environment variable named after it (--http-port as
      HADRON_HTTP_PORT); a flag given on the command line wins, and an empty variable is unset.
      """;

  private static final Pattern USAGE_FLAG = Pattern.compile("(?m)^ {2}(--[a-z0-9-]+) ");

  /**
   * Every flag that takes a value, read off {@link #USAGE} so that the help text stays the one list
   * to keep: a flag documented there is settable from the environment without further wiring.
   */
  public static List<String> flags() {
    List<String> out = new ArrayList<>();
    Matcher m = USAGE_FLAG.matcher(USAGE);
    while (m.find()) {
      if (!m.group(1).equals("--help")) {
        out.add(m.group(1));
      }
    }
    return List.copyOf(out);
  }

  /** The environment variable standing for a flag: {@code --http-port} is {@code HADRON_HTTP_PORT}. */
  public static String environmentVariable(String flag) {
    return ENV_PREFIX + flag.substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * Parses command-line flags alone, ignoring the environment.
   *
   * @throws IllegalArgumentException naming the flag and value at fault
   */
  public static ServerConfig parse(String... args) {
    return parse(Map.of(), args);
  }

  /**
   * Parses settings from environment variables (see {@link #environmentVariable}), then from
   * command-line flags, which win. A variable that stands for no flag is ignored rather than
   * rejected: Kubernetes sets {@code <SERVICE>_PORT}-style variables for every Service in the
   * namespace, so a Service named "hadron" puts {@code HADRON_PORT} and the like in the environment.
   *
   * @throws IllegalArgumentException naming the flag or variable and the value at fault
   */
  public static ServerConfig parse(Map<String, String> env, String... args) {
    Builder b = new Builder();
    List<String> rest = new ArrayList<>();
    for (String flag : flags()) {
      String v = env.get(environmentVariable(flag));
      if (v != null && !v.isEmpty()) {
        rest.add(flag + "=" + v);
      }
    }
    int fromEnvironment = rest.size();
    rest.addAll(List.of(args));
    for (int i = 0; !rest.isEmpty(); i++) {
      String arg = rest.removeFirst();
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags start with --; see --help)");
      }
      if (value == null) {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = rest.removeFirst();
      }
      try {
        apply(b, flag, value);
      } catch (IllegalArgumentException e) {
        if (i < fromEnvironment) {
          throw new IllegalArgumentException(
              "environment variable " + environmentVariable(flag) + ": " + e.getMessage(), e);
        }
        throw e;
      }
    }
    return b.build();
  }

  private static void apply(Builder b, String flag, String value) {
    switch (flag) {
      case "--model-repository" -> b.modelRepository(Optional.of(Path.of(value)));
      case "--host" -> b.host(value);
      case "--http-port" -> b.httpPort(intFlag(flag, value));
      case "--max-request-size" -> b.maxRequestBytes(sizeFlag(flag, value));
      case "--intra-op-threads" -> b.intraOpThreads(intFlag(flag, value));
      case "--inter-op-threads" -> b.interOpThreads(intFlag(flag, value));
      case "--default-max-batch-size" -> b.defaultMaxBatchSize(intFlag(flag, value));
      case "--model-load-threads" -> b.modelLoadThreads(intFlag(flag, value));
      case "--grpc-port" -> b.grpcPort(intFlag(flag, value));
      case "--grpc-max-message-size" -> b.grpcMaxMessageBytes(sizeFlag(flag, value));
      case "--metrics" -> b.metrics(booleanFlag(flag, value));
      case "--metrics-port" -> b.metricsPort(intFlag(flag, value));
      case "--shutdown-delay" -> b.shutdownDelay(durationFlag(flag, value));
      case "--shutdown-timeout" -> b.shutdownTimeout(durationFlag(flag, value));
      case "--model-control-mode" -> b.modelControl(ModelControl.parse(flag, value));
      case "--load-model" -> {
        for (String name : value.split(",")) {
          if (name.isBlank()) {
            throw new IllegalArgumentException(flag + " needs a model name, got '" + value + "'");
          }
          b.loadModel(name.trim());
        }
      }
      case "--on-demand-timeout" -> b.onDemandTimeout(durationFlag(flag, value));
      case "--host-memory-budget" -> b.hostMemoryBudget(sizeFlag(flag, value));
      case "--gpu-memory-fraction" -> b.gpuMemoryFraction(doubleFlag(flag, value));
      case "--pytorch-cache-dir" -> b.pytorchCacheDir(Optional.of(Path.of(value)));
      case "--engine-thread-policy" -> b.engineThreadPolicy(EngineThreadPolicy.parse(flag, value));
      default -> throw new IllegalArgumentException("unknown flag '" + flag + "' (see --help)");
    }
  }

  private static double doubleFlag(String flag, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
    }
  }

  private static int intFlag(String flag, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
    }
  }

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m)?");

  private static Duration durationFlag(String flag, String value) {
    Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(flag + " needs a duration such as 30s, 500ms or 2m, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }

  private static boolean booleanFlag(String flag, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(flag + " needs true or false, got '" + value + "'");
    };
  }

  private static long sizeFlag(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long mult = 1;
    if (v.endsWith("k") || v.endsWith("m") || v.endsWith("g")) {
      mult = switch (v.charAt(v.length() - 1)) {
        case 'k' -> 1L << 10;
        case 'm' -> 1L << 20;
        default -> 1L << 30;
      };
      v = v.substring(0, v.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(v), mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " needs a size in bytes (suffix k, m or g allowed), got '" + value + "'");
    }
  }
}
