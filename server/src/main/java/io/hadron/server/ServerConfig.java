package io.hadron.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Server-wide settings, from command-line flags. Immutable; {@link #parse(String...)} rejects an
 * unknown flag or a bad value with a message naming it, never clamping silently.
 *
 * @param modelRepository the user's repository, or empty to serve the bundled models
 * @param maxRequestBytes largest request body accepted; larger ones get HTTP 413
 * @param intraOpThreads engine threads inside one operator per instance (0 = engine default)
 * @param interOpThreads engine threads across operators per instance (0 = engine default)
 * @param defaultMaxBatchSize max_batch_size given by auto-complete to models that can batch
 * @param modelLoadThreads size of the pool that loads models (a slow load never blocks serving)
 * @param grpcPort the KServe v2 gRPC port (0 = any free port)
 * @param grpcMaxMessageBytes largest gRPC request message accepted; larger ones get RESOURCE_EXHAUSTED
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
    long grpcMaxMessageBytes) {

  public static final long DEFAULT_MAX_REQUEST_BYTES = 64L * 1024 * 1024;
  /** gRPC's own ceiling (a message length is a 32-bit field), and Triton's default. */
  public static final long DEFAULT_GRPC_MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

  public static ServerConfig defaults() {
    return new ServerConfig(Optional.empty(), "0.0.0.0", 8000, DEFAULT_MAX_REQUEST_BYTES, 0, 0, 4, 2, 8001,
        DEFAULT_GRPC_MAX_MESSAGE_BYTES);
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

  public ServerConfig withHttpPort(int port) {
    return new ServerConfig(modelRepository, host, port, maxRequestBytes, intraOpThreads, interOpThreads,
        defaultMaxBatchSize, modelLoadThreads, grpcPort, grpcMaxMessageBytes);
  }

  public ServerConfig withModelRepository(Path repo) {
    return new ServerConfig(Optional.of(repo), host, httpPort, maxRequestBytes, intraOpThreads, interOpThreads,
        defaultMaxBatchSize, modelLoadThreads, grpcPort, grpcMaxMessageBytes);
  }

  public ServerConfig withGrpcPort(int port) {
    return new ServerConfig(modelRepository, host, httpPort, maxRequestBytes, intraOpThreads, interOpThreads,
        defaultMaxBatchSize, modelLoadThreads, port, grpcMaxMessageBytes);
  }

  public ServerConfig withGrpcMaxMessageBytes(long bytes) {
    return new ServerConfig(modelRepository, host, httpPort, maxRequestBytes, intraOpThreads, interOpThreads,
        defaultMaxBatchSize, modelLoadThreads, grpcPort, bytes);
  }

  public ServerConfig withMaxRequestBytes(long bytes) {
    return new ServerConfig(modelRepository, host, httpPort, bytes, intraOpThreads, interOpThreads,
        defaultMaxBatchSize, modelLoadThreads, grpcPort, grpcMaxMessageBytes);
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
        --help                      print this and exit
      Flags take their value as the next argument or after '=' (--http-port=8080).
      """;

  /**
   * Parses command-line flags.
   *
   * @throws IllegalArgumentException naming the flag and value at fault
   */
  public static ServerConfig parse(String... args) {
    ServerConfig c = defaults();
    Optional<Path> repo = c.modelRepository;
    String host = c.host;
    int httpPort = c.httpPort;
    long maxRequest = c.maxRequestBytes;
    int intra = c.intraOpThreads;
    int inter = c.interOpThreads;
    int defaultMbs = c.defaultMaxBatchSize;
    int loadThreads = c.modelLoadThreads;
    int grpcPort = c.grpcPort;
    long grpcMaxMessage = c.grpcMaxMessageBytes;

    List<String> rest = new ArrayList<>(List.of(args));
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
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags start with --; see --help)");
      }
      if (value == null) {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = rest.removeFirst();
      }
      switch (flag) {
        case "--model-repository" -> repo = Optional.of(Path.of(value));
        case "--host" -> host = value;
        case "--http-port" -> httpPort = intFlag(flag, value);
        case "--max-request-size" -> maxRequest = sizeFlag(flag, value);
        case "--intra-op-threads" -> intra = intFlag(flag, value);
        case "--inter-op-threads" -> inter = intFlag(flag, value);
        case "--default-max-batch-size" -> defaultMbs = intFlag(flag, value);
        case "--model-load-threads" -> loadThreads = intFlag(flag, value);
        case "--grpc-port" -> grpcPort = intFlag(flag, value);
        case "--grpc-max-message-size" -> grpcMaxMessage = sizeFlag(flag, value);
        default -> throw new IllegalArgumentException("unknown flag '" + flag + "' (see --help)");
      }
    }
    return new ServerConfig(repo, host, httpPort, maxRequest, intra, inter, defaultMbs, loadThreads, grpcPort,
        grpcMaxMessage);
  }

  private static int intFlag(String flag, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
    }
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
