package io.hadron.server.bench;

import com.google.protobuf.ByteString;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import io.hadron.server.grpc.proto.GrpcService.ModelInferRequest.InferRequestedOutputTensor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Question: for one realistic model, how much does the protocol cost? Serves the same MiniLM
 * request (three INT64 [1,128] inputs, the FP32 [1,128,384] {@code last_hidden_state} back) to a
 * running server as KServe v2 JSON over HTTP, as binary tensor data over HTTP, and over gRPC with
 * raw contents, in one run from one client, and reports requests per second at a fixed number of
 * concurrent clients, latency, and the bytes each request puts on the wire.
 *
 * <p>Method: each of the {@code --concurrency} clients sends its next request as soon as its last
 * one is answered (closed loop). HTTP uses that many keep-alive connections; gRPC one HTTP/2
 * connection with that many streams, as gRPC clients do. Each protocol warms up, then is measured
 * for a fixed time; the protocols take turns over {@code --rounds} rounds, so that drift in the
 * machine's load spreads over all three. Responses are checked for status and size, not decoded.
 * The gRPC client opens 1 MiB stream windows, as gRPC's own client libraries do.
 * Wire bytes are counted apart, through a byte-counting TCP relay on loopback (a few requests per
 * protocol, one at a time): TCP payload in both directions, headers and framing included. CPU time
 * per request is reported for this client and, given {@code --server-pid} (Linux), for the server:
 * on a machine shared with other work it is a steadier measure of a protocol's cost than throughput.
 *
 * <p>Loopback only, bounded in time. Run against {@code java -jar server/target/hadron-server.jar}
 * (bundled models), with the test classpath:
 *
 * <pre>
 * ./mvnw -q -pl server dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp server/target/test-classes:server/target/classes:$(cat server/target/test.classpath) \
 *     io.hadron.server.bench.ProtocolThroughput [--concurrency 8] [--seconds 15] [--warmup 5] [--rounds 2] \
 *     [--server-pid PID]
 * </pre>
 *
 * <p>A command-line tool, driven from its main thread; the request loops run on Vert.x event loops
 * and share only atomic counters and their own slots of the latency arrays.
 */
public final class ProtocolThroughput {
  private static final String MODEL = "all-MiniLM-L6-v2";
  private static final String OUTPUT = "last_hidden_state";
  private static final int SEQ = 128;
  private static final int HIDDEN = 384;
  private static final String[] INPUTS = {"input_ids", "attention_mask", "token_type_ids"};
  private static final ServiceName SERVICE = ServiceName.create("inference", "GRPCInferenceService");
  private static final com.sun.management.OperatingSystemMXBean CLIENT =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** Linux's USER_HZ, the unit of /proc CPU times; 100 on every mainstream kernel build. */
  private static final long CLOCK_TICKS = 100;

  private final Vertx vertx = Vertx.vertx();
  private final String host;
  private final byte[][] inputData = new byte[3][];

  private ProtocolThroughput(String host) {
    this.host = host;
    Random random = new Random(42);
    for (int i = 0; i < 3; i++) {
      ByteBuffer b = ByteBuffer.allocate(8 * SEQ).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < SEQ; j++) {
        // Token ids in the vocabulary, a full attention mask, one segment.
        b.putLong(i == 0 ? (j == 0 ? 101 : 1000 + random.nextInt(29000)) : i == 1 ? 1 : 0);
      }
      inputData[i] = b.array();
    }
  }

  /** One protocol: how to send one request on a given port and check its answer. */
  private interface Protocol {
    String name();

    /** Completes with the response size in bytes, or fails. */
    Future<Integer> send();

    void close();
  }

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int httpPort = 8000;
    int grpcPort = 8001;
    int concurrency = 8;
    int seconds = 15;
    int warmup = 5;
    int rounds = 2;
    long serverPid = -1;
    for (int i = 0; i < args.length; i += 2) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--host" -> host = v;
        case "--http-port" -> httpPort = Integer.parseInt(v);
        case "--grpc-port" -> grpcPort = Integer.parseInt(v);
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--server-pid" -> serverPid = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (!InetAddress.getByName(host).isLoopbackAddress()) {
      throw new IllegalArgumentException("--host must be a loopback address, got " + host);
    }
    if (seconds < 1 || seconds > 120 || warmup < 0 || warmup > 60 || rounds < 1 || rounds > 5
        || concurrency < 1 || concurrency > 64) {
      throw new IllegalArgumentException("bounds: 1 <= seconds <= 120, 0 <= warmup <= 60, 1 <= rounds <= 5,"
          + " 1 <= concurrency <= 64");
    }
    ProtocolThroughput bench = new ProtocolThroughput(host);
    try {
      bench.run(httpPort, grpcPort, concurrency, seconds, warmup, rounds, serverPid);
    } finally {
      bench.vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private void run(int httpPort, int grpcPort, int concurrency, int seconds, int warmup, int rounds, long serverPid)
      throws Exception {
    System.out.printf(Locale.ROOT, "MiniLM (%s), %d concurrent clients, %d s per protocol after %d s warm-up, %d round(s)%n",
        MODEL, concurrency, seconds, warmup, rounds);
    Protocol[] protocols = {json(httpPort, concurrency), binary(httpPort, concurrency), grpc(grpcPort, concurrency)};
    long[][] counts = new long[protocols.length][rounds];
    long[][] latencies = new long[protocols.length][];
    long[] serverCpu = new long[protocols.length];
    long[] clientCpu = new long[protocols.length];
    for (int r = 0; r < rounds; r++) {
      for (int p = 0; p < protocols.length; p++) {
        if (warmup > 0) {
          load(protocols[p], concurrency, warmup, null);
        }
        long[] lat = new long[1 << 20];
        long server0 = cpuNanos(serverPid);
        long client0 = CLIENT.getProcessCpuTime();
        counts[p][r] = load(protocols[p], concurrency, seconds, lat);
        serverCpu[p] += cpuNanos(serverPid) - server0;
        clientCpu[p] += CLIENT.getProcessCpuTime() - client0;
        latencies[p] = r == 0 ? Arrays.copyOf(lat, (int) counts[p][r])
            : concat(latencies[p], Arrays.copyOf(lat, (int) counts[p][r]));
      }
    }
    for (Protocol p : protocols) {
      p.close();
    }
    System.out.printf(Locale.ROOT, "%-12s %8s %8s %8s %11s %11s %12s %12s %12s%n", "protocol", "req/s", "p50 ms",
        "p99 ms", "server CPU", "client CPU", "wire B/req", "request B", "response B");
    for (int p = 0; p < protocols.length; p++) {
      long total = Arrays.stream(counts[p]).sum();
      double rps = total / (double) (seconds * rounds);
      long[] lat = latencies[p];
      Arrays.sort(lat);
      long[] wire = wireBytes(p, httpPort, grpcPort);
      System.out.printf(Locale.ROOT, "%-12s %8.1f %8.1f %8.1f %11s %11s %12d %12d %12d%n", protocols[p].name(), rps,
          lat[lat.length / 2] / 1e6, lat[(int) (lat.length * 0.99)] / 1e6,
          serverPid < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms", serverCpu[p] / 1e6 / total),
          String.format(Locale.ROOT, "%.1f ms", clientCpu[p] / 1e6 / total), wire[0], wire[1], wire[2]);
    }
  }

  /**
   * CPU time the server process has used (user + system), from Linux's /proc; 0 without a pid.
   * Less disturbed by other load on the machine than throughput is.
   */
  private static long cpuNanos(long pid) throws IOException {
    if (pid < 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 1_000_000_000L / CLOCK_TICKS;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Closed loop for {@code seconds}; returns completions, recording latencies when asked. */
  private static long load(Protocol p, int concurrency, int seconds, long[] latencies) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong done = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(concurrency);
    for (int c = 0; c < concurrency; c++) {
      loop(p, end, done, failures, latencies, finished);
    }
    if (!finished.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException(p.name() + ": clients did not finish");
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(p.name() + ": " + failures.get() + " failed requests");
    }
    return done.get();
  }

  private static void loop(Protocol p, long end, AtomicLong done, AtomicLong failures, long[] latencies,
      CountDownLatch finished) {
    long start = System.nanoTime();
    if (start >= end) {
      finished.countDown();
      return;
    }
    p.send().onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.failed()) {
        failures.incrementAndGet();
        System.err.println(p.name() + ": " + ar.cause());
        finished.countDown();
        return;
      }
      if (now <= end) {
        long n = done.getAndIncrement();
        if (latencies != null && n < latencies.length) {
          latencies[(int) n] = now - start;
        }
      }
      loop(p, end, done, failures, latencies, finished);
    });
  }

  /**
   * Per request: bytes on the wire (both directions, TCP payload), then the request's and the
   * response's body (HTTP) or message (gRPC) sizes.
   */
  private long[] wireBytes(int protocol, int httpPort, int grpcPort) throws Exception {
    int n = 20;
    AtomicLong wire = new AtomicLong();
    NetServer relay = relay(protocol == 2 ? grpcPort : httpPort, wire);
    Protocol p = protocol == 0 ? json(relay.actualPort(), 1) : protocol == 1 ? binary(relay.actualPort(), 1)
        : grpc(relay.actualPort(), 1);
    long response = 0;
    try {
      p.send().await(60, TimeUnit.SECONDS);
      // The first request also carries connection set-up (HTTP/2 preface and settings); leave it out.
      wire.set(0);
      for (int i = 0; i < n; i++) {
        response += p.send().await(60, TimeUnit.SECONDS);
      }
      // Let the last window updates and acknowledgements through before reading the count.
      Thread.sleep(200);
    } finally {
      p.close();
      relay.close().await(10, TimeUnit.SECONDS);
    }
    return new long[] {wire.get() / n, requestBytes(protocol), response / n};
  }

  private int requestBytes(int protocol) {
    return switch (protocol) {
      case 0 -> jsonBody().length();
      case 1 -> binaryBody().length();
      default -> grpcRequest().getSerializedSize();
    };
  }

  /** A TCP relay on an ephemeral loopback port that counts the bytes it forwards either way. */
  private NetServer relay(int targetPort, AtomicLong bytes) throws Exception {
    var net = vertx.createNetClient();
    return vertx.createNetServer().connectHandler(in -> {
      in.pause();
      net.connect(targetPort, host).onSuccess(out -> {
        pump(in, out, bytes);
        pump(out, in, bytes);
        in.resume();
      }).onFailure(e -> in.close());
    }).listen(0, host).await(10, TimeUnit.SECONDS);
  }

  private static void pump(NetSocket from, NetSocket to, AtomicLong bytes) {
    from.handler(b -> {
      bytes.addAndGet(b.length());
      to.write(b);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.closeHandler(v -> to.close());
  }

  // ---------------------------------------------------------------------------------------------
  // The three protocols
  // ---------------------------------------------------------------------------------------------

  private Buffer jsonBody() {
    StringBuilder sb = new StringBuilder("{\"inputs\":[");
    for (int i = 0; i < 3; i++) {
      ByteBuffer b = ByteBuffer.wrap(inputData[i]).order(ByteOrder.LITTLE_ENDIAN);
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(INPUTS[i])
          .append("\",\"datatype\":\"INT64\",\"shape\":[1,").append(SEQ).append("],\"data\":[");
      for (int j = 0; j < SEQ; j++) {
        sb.append(j > 0 ? "," : "").append(b.getLong());
      }
      sb.append("]}");
    }
    sb.append("],\"outputs\":[{\"name\":\"").append(OUTPUT).append("\"}]}");
    return Buffer.buffer(sb.toString());
  }

  private String binaryHeader() {
    StringBuilder sb = new StringBuilder("{\"inputs\":[");
    for (int i = 0; i < 3; i++) {
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(INPUTS[i])
          .append("\",\"datatype\":\"INT64\",\"shape\":[1,").append(SEQ)
          .append("],\"parameters\":{\"binary_data_size\":").append(8 * SEQ).append("}}");
    }
    return sb.append("],\"outputs\":[{\"name\":\"").append(OUTPUT)
        .append("\",\"parameters\":{\"binary_data\":true}}]}").toString();
  }

  private Buffer binaryBody() {
    Buffer b = Buffer.buffer(binaryHeader());
    for (byte[] d : inputData) {
      b.appendBytes(d);
    }
    return b;
  }

  private ModelInferRequest grpcRequest() {
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName(MODEL)
        .addOutputs(InferRequestedOutputTensor.newBuilder().setName(OUTPUT));
    for (int i = 0; i < 3; i++) {
      r.addInputs(InferInputTensor.newBuilder().setName(INPUTS[i]).setDatatype("INT64").addShape(1).addShape(SEQ));
      r.addRawInputContents(ByteString.copyFrom(inputData[i]));
    }
    return r.build();
  }

  private Protocol json(int port, int connections) {
    // Each JSON element takes at least two characters ("0,").
    return http("json-http", port, connections, this::jsonBody, null, 2 * SEQ * HIDDEN);
  }

  private Protocol binary(int port, int connections) {
    String headerLength = Integer.toString(binaryHeader().getBytes(StandardCharsets.UTF_8).length);
    return http("binary-http", port, connections, this::binaryBody, headerLength, 4 * SEQ * HIDDEN);
  }

  private Protocol http(String name, int port, int connections, Supplier<Buffer> body, String headerLength,
      int minResponse) {
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
        .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(connections));
    Buffer payload = body.get();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI("/v2/models/" + MODEL + "/infer");
    if (headerLength != null) {
      options.putHeader("Inference-Header-Content-Length", headerLength);
    }
    return new Protocol() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Future<Integer> send() {
        return client.request(options).compose(req -> req.send(payload)).compose(resp -> resp.body().compose(b -> {
          if (resp.statusCode() != 200 || b.length() < minResponse) {
            return Future.failedFuture(name + ": HTTP " + resp.statusCode() + ", " + b.length() + " bytes: "
                + b.getString(0, Math.min(200, b.length())));
          }
          return Future.succeededFuture(b.length());
        }));
      }

      @Override
      public void close() {
        client.close().await();
      }
    };
  }

  private Protocol grpc(int port, int connections) {
    GrpcClient client = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(64 << 20),
        new HttpClientOptions().setTcpNoDelay(true).setHttp2ClearTextUpgrade(false)
            .setHttp2MultiplexingLimit(Math.max(connections, 100))
            // 1 MiB stream windows as gRPC's own clients use, not HTTP/2's 64 KiB default, so that a
            // 196 KB reply is not held back by window updates.
            .setInitialSettings(new Http2Settings().setInitialWindowSize(1 << 20))
            .setHttp2ConnectionWindowSize(16 << 20));
    Buffer payload = Buffer.buffer(grpcRequest().toByteArray());
    ServiceMethod<Buffer, Buffer> method =
        ServiceMethod.client(SERVICE, "ModelInfer", GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
    SocketAddress address = SocketAddress.inetSocketAddress(port, host);
    return new Protocol() {
      @Override
      public String name() {
        return "grpc";
      }

      @Override
      public Future<Integer> send() {
        return client.request(address, method).compose(req -> req.send(payload)).compose(resp -> resp.last()
            .compose(b -> {
              if (resp.status() != GrpcStatus.OK) {
                return Future.failedFuture("gRPC " + resp.status() + ": " + resp.statusMessage());
              }
              return Future.succeededFuture(b.length());
            }));
      }

      @Override
      public void close() {
        client.close().await();
      }
    };
  }
}
