package io.hadron.loadtests.bench;

import io.hadron.loadtests.client.Http1Connection;
import io.hadron.loadtests.client.Reply;
import io.hadron.loadtests.client.Target;
import io.hadron.loadtests.load.CpuClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Hadron server run as a child process from its jar, with the same {@code java} as this process,
 * listening on loopback only, on ports found free at start. Output goes to a log file; readiness is
 * {@code GET /v2/health/ready} answering 200.
 *
 * <p>Thread-safe: the handle is immutable once started; {@link #close()} may be called more than
 * once.
 */
final class ServerProcess implements AutoCloseable {
  private static final Duration STOP_WAIT = Duration.ofSeconds(40);

  private final Process process;
  private final Target target;
  private final Path log;
  private final List<String> command;

  private ServerProcess(Process process, Target target, Path log, List<String> command) {
    this.process = process;
    this.target = target;
    this.log = log;
    this.command = command;
  }

  /**
   * Starts the server and waits until it is ready.
   *
   * @param jvmArgs options for the server's JVM (before {@code -jar})
   * @param serverArgs flags for the server; {@code --host}, {@code --http-port} and {@code
   *     --grpc-port} are chosen here
   * @throws IOException if it cannot start, exits, or is not ready within {@code readyTimeout}; the
   *     message carries the end of its log
   */
  static ServerProcess start(Path jar, List<String> jvmArgs, List<String> serverArgs, Path log,
      Duration readyTimeout) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException("server jar " + jar.toAbsolutePath() + " not found; build it first with"
          + " ./mvnw -B -q package -DskipTests (or name it with --server-jar)");
    }
    int httpPort = freePort();
    int grpcPort = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    // The same temporary directory as this process, so both agree where the bundled models are.
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "--host", "127.0.0.1", "--http-port", Integer.toString(httpPort),
        "--grpc-port", Integer.toString(grpcPort)));
    // Every port the server opens must be free: a metrics port too, where this server has one.
    boolean metricsChosen = serverArgs.stream().anyMatch(a -> a.startsWith("--metrics"));
    if (!metricsChosen && usage(java, jar).contains("--metrics-port")) {
      command.addAll(List.of("--metrics-port", Integer.toString(freePort())));
    }
    command.addAll(serverArgs);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
    ServerProcess server = new ServerProcess(p, Target.loopback("127.0.0.1", httpPort), log, command);
    try {
      server.awaitReady(readyTimeout);
      return server;
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  Target target() {
    return target;
  }

  long pid() {
    return process.pid();
  }

  /** The server's CPU time, as the OS counts it. */
  CpuClock cpu() {
    return CpuClock.of(process.toHandle());
  }

  List<String> command() {
    return command;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IOException("server exited with status " + process.exitValue() + " before it was ready;"
            + " end of " + log + ":\n" + tail());
      }
      try (Http1Connection c = new Http1Connection(target, 2000)) {
        Reply r = c.get("/v2/health/ready");
        if (r.status() == 200) {
          return;
        }
        last = "HTTP " + r.status() + " " + r.errorText();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IOException("server not ready after " + timeout.toSeconds() + " s (" + last + "); end of " + log
        + ":\n" + tail());
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Asks the server to shut down (its drain runs), and kills it if it has not gone in time. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The server's {@code --help} text, to learn which flags this build has. */
  private static String usage(String java, Path jar) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(java, "-jar", jar.toString(), "--help").redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(jar + " --help did not finish in 60 s");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
