package io.hadron.server.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Question: what does dynamic batching buy a small CNN on the PyTorch backend when many clients
 * send one image each? Drives a running server's model with closed-loop clients at several
 * concurrencies and reports requests per second, latency percentiles, the mean batch the server
 * formed (from its statistics endpoint) and CPU time per request.
 *
 * <p>Method: each client thread holds one keep-alive HTTP/1.1 connection (a few lines of blocking
 * socket code, so the client takes little CPU and has no pool of its own to stall) and sends its
 * next request as soon as the last one is answered. A request is one 3×32×32 FP32 image in the
 * binary tensor data extension ({@code Inference-Header-Content-Length}, no Content-Type, as
 * Triton's clients send it) asking for {@code OUTPUT__0} as binary; each answer is checked for
 * status 200 and the 40 bytes of its output. Per concurrency: {@code --warmup} seconds of the same
 * load, then {@code --seconds} measured. Latency is request written to response read, per request,
 * on the client. The mean batch is the change of {@code inference_count} over the change of {@code
 * execution_count} of {@code /v2/models/<model>/versions/1/stats}. CPU: this process's, and the
 * server's from {@code /proc/<pid>/stat} when {@code --server-pid} is given.
 *
 * <p>Compare batching on and off by running it against the two models {@link CnnRepository}
 * writes, {@code cnn} (dynamic batching, 2 ms queue delay) and {@code cnn-nobatch} (one request per
 * execution), on one server. From the repository root:
 *
 * <pre>
 * ./mvnw -B -q -pl server -am install -DskipTests
 * ./mvnw -q -pl server dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * CP=server/target/test-classes:server/target/classes:$(cat server/target/test.classpath)
 * java -cp $CP io.hadron.server.bench.CnnRepository cnn-repo
 * # The server from its jar, plus the test classes for CnnRepository's block factory:
 * java --enable-native-access=ALL-UNNAMED -cp server/target/hadron-server.jar:server/target/test-classes \
 *     io.hadron.server.Main --model-repository cnn-repo --http-port 18000 --grpc-port 18001 \
 *     --metrics-port 18002 --intra-op-threads 2 &amp;
 * SERVER=$!
 * for m in cnn cnn-nobatch; do
 *   java -cp $CP io.hadron.server.bench.CnnThroughput --url http://127.0.0.1:18000 --model $m \
 *       --concurrency 1,8,32 --seconds 10 --warmup 5 --server-pid $SERVER
 * done
 * kill $SERVER
 * </pre>
 *
 * <p>Both models share the server's process-wide PyTorch thread pools; run them one after the
 * other, as above, not at once. A command-line tool, driven from its main thread; each client
 * thread owns its connection.
 */
public final class CnnThroughput {
  private static final long CLOCK_TICKS = 100; // Linux's USER_HZ, the unit of /proc CPU times
  private static final int OUTPUT_BYTES = 10 * 4;

  private CnnThroughput() {}

  /** One measured concurrency. */
  private record Result(int clients, long requests, double seconds, long[] latenciesNanos, long inferences,
      long executions, double clientCpuSeconds, double serverCpuSeconds) {}

  public static void main(String[] args) throws Exception {
    URI url = null;
    String model = "cnn";
    int[] concurrency = {1, 8, 32};
    int seconds = 10;
    int warmup = 5;
    long serverPid = -1;
    for (int i = 0; i < args.length; i += 2) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--url" -> url = URI.create(v);
        case "--model" -> model = v;
        case "--concurrency" -> concurrency = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--server-pid" -> serverPid = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (url == null || !"http".equals(url.getScheme()) || url.getPort() < 1) {
      throw new IllegalArgumentException("--url must be http://HOST:PORT of a running server, got " + url);
    }
    if (seconds < 1 || seconds > 300 || warmup < 0 || warmup > 300) {
      throw new IllegalArgumentException("bounds: 1 <= seconds <= 300, 0 <= warmup <= 300");
    }
    for (int c : concurrency) {
      if (c < 1 || c > 256) {
        throw new IllegalArgumentException("--concurrency values must be between 1 and 256, got " + c);
      }
    }
    if (serverPid > 0 && !Files.exists(Path.of("/proc", Long.toString(serverPid), "stat"))) {
      throw new IllegalArgumentException("--server-pid " + serverPid + ": no such process in /proc");
    }
    String host = url.getHost();
    int port = url.getPort();
    byte[] request = request(host, model);
    byte[] statsRequest = ("GET /v2/models/" + model + "/versions/1/stats HTTP/1.1\r\nHost: " + host
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    System.out.printf(Locale.ROOT, "model %s at %s, one image per request (binary), %d s per concurrency after "
        + "%d s warm-up; client on %d cores%n", model, url, seconds, warmup,
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "%-8s %10s %9s %9s %9s %10s %14s %14s%n", "clients", "req/s", "p50 ms", "p99 ms",
        "max ms", "mean batch", "client CPU %", serverPid > 0 ? "srv CPU us/req" : "");
    int most = Arrays.stream(concurrency).max().orElseThrow();
    ExecutorService pool = Executors.newFixedThreadPool(most);
    try {
      for (int clients : concurrency) {
        if (warmup > 0) {
          load(pool, host, port, request, clients, warmup);
        }
        JsonObject before = stats(host, port, statsRequest);
        long clientCpu0 = clientCpuNanos();
        long serverCpu0 = serverPid > 0 ? serverCpuNanos(serverPid) : 0;
        long t0 = System.nanoTime();
        long[] latencies = load(pool, host, port, request, clients, seconds);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double clientCpu = (clientCpuNanos() - clientCpu0) / 1e9;
        double serverCpu = serverPid > 0 ? (serverCpuNanos(serverPid) - serverCpu0) / 1e9 : 0;
        JsonObject after = stats(host, port, statsRequest);
        Result r = new Result(clients, latencies.length, elapsed, latencies,
            after.getLong("inference_count") - before.getLong("inference_count"),
            after.getLong("execution_count") - before.getLong("execution_count"), clientCpu, serverCpu);
        print(r, serverPid > 0);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void print(Result r, boolean server) {
    long[] l = r.latenciesNanos.clone();
    Arrays.sort(l);
    System.out.printf(Locale.ROOT, "%-8d %10.1f %9.2f %9.2f %9.2f %10.2f %14.1f %14s%n", r.clients,
        r.requests / r.seconds, percentile(l, 0.50) / 1e6, percentile(l, 0.99) / 1e6, l[l.length - 1] / 1e6,
        r.executions == 0 ? 0.0 : r.inferences / (double) r.executions, 100 * r.clientCpuSeconds / r.seconds,
        server ? String.format(Locale.ROOT, "%.0f", 1e6 * r.serverCpuSeconds / r.requests) : "");
  }

  /** The nearest-rank percentile of sorted values. */
  private static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /**
   * Closed loops on {@code clients} threads for {@code seconds}; returns every request's latency.
   * A request that is not answered with 200 and one output of 40 bytes ends the run with an error.
   */
  private static long[] load(ExecutorService pool, String host, int port, byte[] request, int clients, int seconds)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<long[]>> loops = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      loops.add(pool.submit(() -> {
        long[] lat = new long[1024];
        int n = 0;
        try (Connection conn = new Connection(host, port)) {
          long now = System.nanoTime();
          while (now < end) {
            Connection.Response r = conn.exchange(request);
            long done = System.nanoTime();
            if (r.status != 200 || r.headerLength < 0 || r.body.length != r.headerLength + OUTPUT_BYTES) {
              throw new IllegalStateException("unexpected answer: HTTP " + r.status + ", "
                  + new String(r.body, StandardCharsets.UTF_8));
            }
            if (n == lat.length) {
              lat = Arrays.copyOf(lat, 2 * n);
            }
            lat[n++] = done - now;
            now = done;
          }
        }
        return Arrays.copyOf(lat, n);
      }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : loops) {
      all.add(f.get(seconds + 120L, TimeUnit.SECONDS));
    }
    return all.stream().flatMapToLong(Arrays::stream).toArray();
  }

  private static JsonObject stats(String host, int port, byte[] statsRequest) throws IOException {
    try (Connection c = new Connection(host, port)) {
      Connection.Response r = c.exchange(statsRequest);
      String body = new String(r.body, StandardCharsets.UTF_8);
      if (r.status != 200) {
        throw new IllegalStateException("statistics answered HTTP " + r.status + ": " + body);
      }
      JsonArray models = new JsonObject(body).getJsonArray("model_stats");
      return models.getJsonObject(0);
    }
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long serverCpuNanos(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / CLOCK_TICKS;
  }

  /** One image of seeded Gaussian noise, as a binary tensor data request on the wire. */
  private static byte[] request(String host, String model) {
    int floats = 3 * 32 * 32;
    String json = "{\"inputs\":[{\"name\":\"INPUT__0\",\"datatype\":\"FP32\",\"shape\":[1,3,32,32],"
        + "\"parameters\":{\"binary_data_size\":" + 4 * floats + "}}],"
        + "\"outputs\":[{\"name\":\"OUTPUT__0\",\"parameters\":{\"binary_data\":true}}]}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 4 * floats).order(ByteOrder.LITTLE_ENDIAN).put(header);
    Random r = new Random(42);
    for (int i = 0; i < floats; i++) {
      body.putFloat((float) r.nextGaussian());
    }
    String head = "POST /v2/models/" + model + "/infer HTTP/1.1\r\nHost: " + host + "\r\n"
        + "Inference-Header-Content-Length: " + header.length + "\r\nContent-Length: " + body.capacity() + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(h, h.length + body.capacity());
    System.arraycopy(body.array(), 0, all, h.length, body.capacity());
    return all;
  }

  /**
   * One keep-alive HTTP/1.1 connection that sends a prepared request and reads the response by its
   * Content-Length. Confined to one thread. A socket timeout turns a lost answer into an error.
   */
  private static final class Connection implements AutoCloseable {
    record Response(int status, int headerLength, byte[] body) {}

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(String host, int port) throws IOException {
      socket = new Socket(host.equals("localhost") ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host),
          port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(60_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    Response exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      int length = -1;
      int headerLength = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = h.substring(0, colon).trim();
        if (name.equalsIgnoreCase("content-length")) {
          length = Integer.parseInt(h.substring(colon + 1).trim());
        } else if (name.equalsIgnoreCase("inference-header-content-length")) {
          headerLength = Integer.parseInt(h.substring(colon + 1).trim());
        }
      }
      if (length < 0) {
        throw new IOException("response without Content-Length: " + status);
      }
      byte[] body = in.readNBytes(length);
      if (body.length != length) {
        throw new IOException("connection closed after " + body.length + " of " + length + " bytes");
      }
      return new Response(Integer.parseInt(status.split(" ")[1]), headerLength, body);
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
}
