package io.hadron.server.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Question: how much served throughput does metrics recording cost? Starts two servers from the same
 * jar with the same JVM flags, one with {@code --metrics true} and one with {@code --metrics false},
 * and drives them with the same closed-loop client in alternating rounds.
 *
 * <p>Method: {@code --concurrency} clients each send their next request as soon as the last one is
 * answered, over keep-alive HTTP/1.1 connections, for {@code --seconds} per round after a warm-up;
 * rounds alternate the order (on, off, then off, on) so that drift in the machine's load falls on
 * both alike. Per round it reports requests per second of each server and their ratio, and the
 * servers' CPU time per request from Linux's {@code /proc} (steadier than throughput on a machine
 * shared with other work). The workload is one of: {@code simple} (Triton's 16-element add/sub
 * model as JSON, a few microseconds of engine time: the worst case, where per-request bookkeeping
 * weighs most) or {@code minilm} (MiniLM, 128 tokens, binary tensor data: a realistic model).
 *
 * <p>Run after {@code ./mvnw -B -q package -DskipTests}, with the test classpath:
 *
 * <pre>
 * ./mvnw -q -pl server dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp server/target/test-classes:server/target/classes:$(cat server/target/test.classpath) \
 *     io.hadron.server.bench.MetricsOverhead --jar server/target/hadron-server.jar [--workload simple] \
 *     [--concurrency 8] [--seconds 20] [--warmup 5] [--rounds 4]
 * </pre>
 *
 * <p>A command-line tool, driven from its main thread; the request loops run on Vert.x event loops
 * and share only atomic counters.
 */
public final class MetricsOverhead {
  private static final long CLOCK_TICKS = 100; // Linux's USER_HZ, the unit of /proc CPU times

  /** A server process under test. */
  private record Server(String name, Process process, int httpPort, int metricsPort) {
    long cpuNanos() throws IOException {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / CLOCK_TICKS;
    }
  }

  private MetricsOverhead() {}

  public static void main(String[] args) throws Exception {
    Path jar = null;
    String workload = "simple";
    int concurrency = 8;
    int seconds = 20;
    int warmup = 5;
    int rounds = 4;
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
    if (!workload.equals("simple") && !workload.equals("minilm")) {
      throw new IllegalArgumentException("--workload is simple or minilm, got " + workload);
    }
    if (seconds < 1 || seconds > 300 || rounds < 1 || rounds > 20 || concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException("bounds: 1 <= seconds <= 300, 1 <= rounds <= 20, 1 <= concurrency <= 64");
    }
    List<Server> servers = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      servers.add(start(jar, "on", true));
      servers.add(start(jar, "off", false));
      for (Server s : servers) {
        awaitReady(s);
      }
      run(vertx, servers, workload, concurrency, seconds, warmup, rounds);
    } finally {
      for (Server s : servers) {
        s.process.destroy();
        if (!s.process.waitFor(30, TimeUnit.SECONDS)) {
          s.process.destroyForcibly();
        }
      }
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Server start(Path jar, String name, boolean metrics) throws IOException {
    int[] ports = freePorts(3);
    int http = ports[0];
    int metricsPort = ports[2];
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = List.of(java, "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
        "--host", "127.0.0.1", "--http-port", Integer.toString(http), "--grpc-port", Integer.toString(ports[1]),
        "--metrics", Boolean.toString(metrics), "--metrics-port", Integer.toString(metricsPort));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(Path.of(System.getProperty("java.io.tmpdir"),
            "hadron-metrics-overhead-" + name + ".log").toFile()))
        .start();
    return new Server(name, p, http, metricsPort);
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
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!s.process.isAlive()) {
        throw new IllegalStateException("server '" + s.name + "' exited with " + s.process.exitValue());
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.httpPort + "/v2/health/ready")).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("server '" + s.name + "' not ready after 3 minutes");
  }

  private static void run(Vertx vertx, List<Server> servers, String workload, int concurrency, int seconds,
      int warmup, int rounds) throws Exception {
    System.out.printf(Locale.ROOT, "workload %s, %d concurrent clients, %d s per server per round after %d s"
        + " warm-up, %d rounds, order alternating%n", workload, concurrency, seconds, warmup, rounds);
    System.out.printf(Locale.ROOT, "%-6s %-6s %10s %14s%n", "round", "server", "req/s", "CPU us/req");
    double[][] rps = new double[2][rounds];
    double[][] cpu = new double[2][rounds];
    List<Target> targets = new ArrayList<>();
    for (Server s : servers) {
      targets.add(target(vertx, s, workload, concurrency));
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int i = r % 2 == 0 ? k : 1 - k;
        Target t = targets.get(i);
        if (warmup > 0) {
          load(t, servers.get(i), concurrency, warmup);
        }
        long cpu0 = servers.get(i).cpuNanos();
        long n = load(t, servers.get(i), concurrency, seconds);
        cpu[i][r] = (servers.get(i).cpuNanos() - cpu0) / 1e3 / n;
        rps[i][r] = n / (double) seconds;
        System.out.printf(Locale.ROOT, "%-6d %-6s %10.1f %14.1f%n", r + 1, servers.get(i).name, rps[i][r], cpu[i][r]);
      }
    }
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratio[r] = rps[0][r] / rps[1][r];
    }
    System.out.printf(Locale.ROOT, "throughput on/off per round: %s%n", Arrays.toString(
        Arrays.stream(ratio).mapToObj(x -> String.format(Locale.ROOT, "%.3f", x)).toArray()));
    System.out.printf(Locale.ROOT, "mean req/s: on %.1f, off %.1f; on/off %.3f (rounds %.3f..%.3f)%n",
        mean(rps[0]), mean(rps[1]), mean(rps[0]) / mean(rps[1]), Arrays.stream(ratio).min().orElseThrow(),
        Arrays.stream(ratio).max().orElseThrow());
    System.out.printf(Locale.ROOT, "mean server CPU per request: on %.1f us, off %.1f us; on/off %.3f%n",
        mean(cpu[0]), mean(cpu[1]), mean(cpu[0]) / mean(cpu[1]));
    for (Target t : targets) {
      t.client.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double mean(double[] a) {
    return Arrays.stream(a).average().orElseThrow();
  }

  /** How to send one request of the workload to one server. */
  private record Target(HttpClientAgent client, RequestOptions options, Buffer body) {
    Future<Void> send() {
      return client.request(options).compose(req -> req.send(body)).compose(resp -> resp.body().compose(b ->
          resp.statusCode() == 200 ? Future.succeededFuture()
              : Future.failedFuture("HTTP " + resp.statusCode() + ": " + b.getString(0, Math.min(200, b.length())))));
    }
  }

  private static Target target(Vertx vertx, Server s, String workload, int concurrency) {
    // Connections never expire between rounds (a server idles while the other is measured). The pool
    // has room for twice the clients, so that no request ever waits for a connection: a waiter can
    // be left stranded by the client's pool, which stalls its loop until the connect timeout.
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(s.httpPort).setKeepAlive(true).setKeepAliveTimeout(0).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(2 * concurrency));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setConnectTimeout(20_000)
        .setIdleTimeout(20_000);
    if (workload.equals("simple")) {
      StringBuilder data = new StringBuilder("[");
      for (int i = 0; i < 16; i++) {
        data.append(i > 0 ? "," : "").append(i);
      }
      data.append(']');
      String body = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + data
          + "},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + data + "}]}";
      return new Target(client, options.setURI("/v2/models/simple/infer"), Buffer.buffer(body));
    }
    int seq = 128;
    String[] inputs = {"input_ids", "attention_mask", "token_type_ids"};
    StringBuilder header = new StringBuilder("{\"inputs\":[");
    for (int i = 0; i < 3; i++) {
      header.append(i > 0 ? "," : "").append("{\"name\":\"").append(inputs[i])
          .append("\",\"datatype\":\"INT64\",\"shape\":[1,").append(seq)
          .append("],\"parameters\":{\"binary_data_size\":").append(8 * seq).append("}}");
    }
    header.append("],\"outputs\":[{\"name\":\"last_hidden_state\",\"parameters\":{\"binary_data\":true}}]}");
    Buffer body = Buffer.buffer(header.toString());
    int headerLength = body.length();
    for (int i = 0; i < 3; i++) {
      ByteBuffer b = ByteBuffer.allocate(8 * seq).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < seq; j++) {
        b.putLong(i == 0 ? 1000 + j : i == 1 ? 1 : 0);
      }
      body.appendBytes(b.array());
    }
    options.setURI("/v2/models/all-MiniLM-L6-v2/infer")
        .putHeader("Inference-Header-Content-Length", Integer.toString(headerLength));
    return new Target(client, options, body);
  }

  /** Closed loop for {@code seconds}; returns the requests completed in that time. */
  private static long load(Target t, Server server, int concurrency, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong done = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(concurrency);
    for (int c = 0; c < concurrency; c++) {
      loop(t, end, done, failures, finished);
    }
    if (!finished.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("clients did not finish");
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " failed requests to server '" + server.name + "'; it says: "
          + diagnosis(server));
    }
    return done.get();
  }

  /** What the server reports about its queues, to tell a lost request from a slow one. */
  private static String diagnosis(Server s) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    StringBuilder out = new StringBuilder();
    if (s.name.equals("on")) {
      String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.metricsPort + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("hadron_pending_requests") || line.startsWith("hadron_http_server_active_requests")) {
          out.append(line).append("; ");
        }
      }
    }
    out.append(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort + "/v2/models/stats"))
        .build(), HttpResponse.BodyHandlers.ofString()).body());
    return out.toString();
  }

  private static void loop(Target t, long end, AtomicLong done, AtomicLong failures, CountDownLatch finished) {
    if (System.nanoTime() >= end) {
      finished.countDown();
      return;
    }
    t.send().onComplete(ar -> {
      if (ar.failed()) {
        failures.incrementAndGet();
        System.err.println(ar.cause());
        finished.countDown();
        return;
      }
      if (System.nanoTime() <= end) {
        done.incrementAndGet();
      }
      loop(t, end, done, failures, finished);
    });
  }
}
