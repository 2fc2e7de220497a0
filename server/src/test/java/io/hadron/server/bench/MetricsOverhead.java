package io.hadron.server.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Question: how much served throughput does metrics recording cost? Starts two servers from the same
 * jar with the same JVM flags, one with {@code --metrics true} and one with {@code --metrics false},
 * and loads both at once with the same closed-loop client.
 *
 * <p>Method: each server gets {@code --concurrency} client threads, each holding one keep-alive
 * HTTP/1.1 connection and sending its next request as soon as the last one is answered. Both
 * servers are loaded at the same time, for {@code --seconds} per round after a warm-up, so that
 * whatever else the machine does in a round (on a shared machine, a lot) falls on both alike, and
 * the two compete for the same cores: the cheaper server answers more. Alternating rounds of one
 * server at a time were tried first and were useless on a busy machine, their spread larger than
 * the effect. The client is a few lines of blocking socket code, so that it takes little of the CPU
 * and has no connection pool of its own to stall. Per round it reports each server's requests per
 * second and its CPU time per request from Linux's {@code /proc}, and their ratios; at the end,
 * means and the medians of the per-round ratios. The workload is one of: {@code simple}
 * (Triton's 16-element add/sub model as JSON, a few microseconds of engine time: the worst case,
 * where per-request bookkeeping weighs most) or {@code minilm} (MiniLM, 128 tokens, binary tensor
 * data: a realistic model).
 *
 * <p>Run after {@code ./mvnw -B -q package -DskipTests}, with the test classpath:
 *
 * <pre>
 * ./mvnw -q -pl server dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp server/target/test-classes:server/target/classes:$(cat server/target/test.classpath) \
 *     io.hadron.server.bench.MetricsOverhead --jar server/target/hadron-server.jar [--workload simple] \
 *     [--concurrency 8] [--seconds 10] [--warmup 10] [--rounds 10]
 * </pre>
 *
 * <p>A command-line tool, driven from its main thread; each client thread owns its connection.
 */
public final class MetricsOverhead {
  private static final long CLOCK_TICKS = 100; // Linux's USER_HZ, the unit of /proc CPU times

  /** A server process under test. */
  private record Server(String name, Process process, int httpPort) {
    long cpuNanos() throws IOException {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / CLOCK_TICKS;
    }
  }

  /** One request of the workload, as bytes on the wire. */
  private record Workload(String name, byte[] request) {}

  private MetricsOverhead() {}

  public static void main(String[] args) throws Exception {
    Path jar = null;
    String workload = "simple";
    int concurrency = 8;
    int seconds = 10;
    int warmup = 10;
    int rounds = 10;
    for (int i = 0; i < args.length; i += 2) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--jar" -> jar = Path.of(v);
        case "--workload" -> workload = v;
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("--jar must name the server jar, got " + jar);
    }
    if (seconds < 1 || seconds > 300 || warmup < 0 || warmup > 300 || rounds < 1 || rounds > 40
        || concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException(
          "bounds: 1 <= seconds <= 300, 0 <= warmup <= 300, 1 <= rounds <= 40, 1 <= concurrency <= 64");
    }
    Workload w = switch (workload) {
      case "simple" -> simple();
      case "minilm" -> minilm();
      default -> throw new IllegalArgumentException("--workload is simple or minilm, got " + workload);
    };
    List<Server> servers = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(2 * concurrency);
    try {
      servers.add(start(jar, "on", true));
      servers.add(start(jar, "off", false));
      for (Server s : servers) {
        awaitReady(s);
      }
      run(clients, servers, w, concurrency, seconds, warmup, rounds);
    } finally {
      clients.shutdownNow();
      for (Server s : servers) {
        s.process.destroy();
        if (!s.process.waitFor(60, TimeUnit.SECONDS)) {
          s.process.destroyForcibly();
        }
      }
    }
  }

  private static Server start(Path jar, String name, boolean metrics) throws IOException {
    int[] ports = freePorts(3);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = List.of(java, "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
        "--host", "127.0.0.1", "--http-port", Integer.toString(ports[0]), "--grpc-port", Integer.toString(ports[1]),
        "--metrics", Boolean.toString(metrics), "--metrics-port", Integer.toString(ports[2]));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(Path.of(System.getProperty("java.io.tmpdir"),
            "hadron-metrics-overhead-" + name + ".log").toFile()))
        .start();
    return new Server(name, p, ports[0]);
  }

  /** Distinct free ports: all sockets stay open until every port is known, so none repeats. */
  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  private static void awaitReady(Server s) throws Exception {
    byte[] probe = "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!s.process.isAlive()) {
        throw new IllegalStateException("server '" + s.name + "' exited with " + s.process.exitValue());
      }
      try (Connection c = new Connection(s.httpPort)) {
        if (c.exchange(probe) == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("server '" + s.name + "' not ready after 3 minutes");
  }

  private static void run(ExecutorService clients, List<Server> servers, Workload w, int concurrency, int seconds,
      int warmup, int rounds) throws Exception {
    System.out.printf(Locale.ROOT, "workload %s, %d concurrent clients per server, both servers at once, %d s"
        + " per round, %d rounds, after %d s warm-up%n", w.name, concurrency, seconds, rounds, warmup);
    System.out.printf(Locale.ROOT, "%-6s %12s %12s %14s %14s%n", "round", "on req/s", "off req/s", "on CPU us/req",
        "off CPU us/req");
    if (warmup > 0) {
      load(clients, servers, w, concurrency, warmup);
    }
    double[][] rps = new double[2][rounds];
    double[][] cpu = new double[2][rounds];
    for (int r = 0; r < rounds; r++) {
      long[] cpu0 = {servers.get(0).cpuNanos(), servers.get(1).cpuNanos()};
      long[] n = load(clients, servers, w, concurrency, seconds);
      for (int i = 0; i < 2; i++) {
        cpu[i][r] = (servers.get(i).cpuNanos() - cpu0[i]) / 1e3 / n[i];
        rps[i][r] = n[i] / (double) seconds;
      }
      System.out.printf(Locale.ROOT, "%-6d %12.1f %12.1f %14.1f %14.1f%n", r + 1, rps[0][r], rps[1][r], cpu[0][r],
          cpu[1][r]);
    }
    double[] ratio = new double[rounds];
    double[] cpuRatio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratio[r] = rps[0][r] / rps[1][r];
      cpuRatio[r] = cpu[0][r] / cpu[1][r];
    }
    System.out.printf(Locale.ROOT, "throughput on/off per round: %s%n", format(ratio));
    System.out.printf(Locale.ROOT, "CPU per request on/off per round: %s%n", format(cpuRatio));
    System.out.printf(Locale.ROOT, "mean req/s: on %.1f, off %.1f; on/off %.3f%n",
        mean(rps[0]), mean(rps[1]), mean(rps[0]) / mean(rps[1]));
    System.out.printf(Locale.ROOT, "mean server CPU per request: on %.1f us, off %.1f us; on/off %.3f%n",
        mean(cpu[0]), mean(cpu[1]), mean(cpu[0]) / mean(cpu[1]));
    // Medians of the per-round ratios: a round disturbed by other work on the machine moves a mean.
    System.out.printf(Locale.ROOT, "median per-round on/off: throughput %.3f, CPU per request %.3f%n",
        median(ratio), median(cpuRatio));
  }

  private static String format(double[] a) {
    return Arrays.toString(Arrays.stream(a).mapToObj(x -> String.format(Locale.ROOT, "%.3f", x)).toArray());
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double mean(double[] a) {
    return Arrays.stream(a).average().orElseThrow();
  }

  /**
   * Closed loops on {@code concurrency} client threads per server, every server at once, for {@code
   * seconds}; returns the requests each server answered meanwhile.
   */
  private static long[] load(ExecutorService clients, List<Server> servers, Workload w, int concurrency,
      int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<List<Future<Long>>> loops = new ArrayList<>();
    for (Server s : servers) {
      loops.add(loops(clients, s, w, concurrency, end));
    }
    long[] total = new long[servers.size()];
    for (int i = 0; i < total.length; i++) {
      for (Future<Long> f : loops.get(i)) {
        total[i] += f.get(seconds + 120L, TimeUnit.SECONDS);
      }
    }
    return total;
  }

  private static List<Future<Long>> loops(ExecutorService clients, Server s, Workload w, int concurrency, long end) {
    List<Future<Long>> loops = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      loops.add(clients.submit(() -> {
        long done = 0;
        try (Connection conn = new Connection(s.httpPort)) {
          while (System.nanoTime() < end) {
            int status = conn.exchange(w.request);
            if (status != 200) {
              throw new IllegalStateException("server '" + s.name + "' answered HTTP " + status);
            }
            done++;
          }
        }
        return done;
      }));
    }
    return loops;
  }

  /**
   * One keep-alive HTTP/1.1 connection that sends a prepared request and reads the response by its
   * Content-Length. Confined to one thread. A socket timeout turns a lost answer into an error.
   */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(60_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /** Sends the request and consumes the response; returns its status. */
    int exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      long length = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          length = Long.parseLong(h.substring(colon + 1).trim());
        }
      }
      if (length < 0) {
        throw new IOException("response without Content-Length: " + status);
      }
      in.skipNBytes(length); // throws EOFException if the connection closes mid-response
      return Integer.parseInt(status.split(" ")[1]);
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(64);
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          b.write(c);
        }
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static byte[] post(String path, byte[] body, String extraHeader) {
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + (extraHeader == null ? "" : extraHeader + "\r\n") + "Content-Length: " + body.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  private static Workload simple() {
    StringBuilder data = new StringBuilder("[");
    for (int i = 0; i < 16; i++) {
      data.append(i > 0 ? "," : "").append(i);
    }
    data.append(']');
    String body = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + data
        + "},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + data + "}]}";
    return new Workload("simple (JSON)", post("/v2/models/simple/infer", body.getBytes(StandardCharsets.UTF_8), null));
  }

  private static Workload minilm() {
    int seq = 128;
    String[] inputs = {"input_ids", "attention_mask", "token_type_ids"};
    StringBuilder header = new StringBuilder("{\"inputs\":[");
    for (int i = 0; i < 3; i++) {
      header.append(i > 0 ? "," : "").append("{\"name\":\"").append(inputs[i])
          .append("\",\"datatype\":\"INT64\",\"shape\":[1,").append(seq)
          .append("],\"parameters\":{\"binary_data_size\":").append(8 * seq).append("}}");
    }
    header.append("],\"outputs\":[{\"name\":\"last_hidden_state\",\"parameters\":{\"binary_data\":true}}]}");
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(h.length + 3 * 8 * seq).order(ByteOrder.LITTLE_ENDIAN).put(h);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < seq; j++) {
        body.putLong(i == 0 ? 1000 + j : i == 1 ? 1 : 0);
      }
    }
    return new Workload("MiniLM (binary tensor data, 128 tokens)", post("/v2/models/all-MiniLM-L6-v2/infer",
        body.array(), "Inference-Header-Content-Length: " + h.length));
  }
}
