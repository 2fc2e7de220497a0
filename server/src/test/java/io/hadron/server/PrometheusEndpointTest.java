package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} on the metrics port and the statistics endpoints, scraped after real traffic over
 * real sockets. Figures are compared as differences between a scrape before and one after, so the
 * tests do not depend on each other's traffic.
 */
class PrometheusEndpointTest {
  @TempDir static Path repo;
  static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    Files.createDirectories(repo.resolve("simple/1"));
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    Files.write(repo.resolve("simple/1/model.onnx"), SimpleModels.tritonSimple());
    Files.createDirectories(repo.resolve("garbage/1"));
    Files.write(repo.resolve("garbage/1/model.onnx"), "not an onnx model".getBytes(StandardCharsets.UTF_8));
    t = new TestServer(ServerConfig.defaults().withModelRepository(repo));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  static HttpResponse<String> metrics(String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.server.metricsPort() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return t.client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static PromText scrape() throws Exception {
    HttpResponse<String> r = metrics("/metrics", null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
    return new PromText(r.body());
  }

  static String simpleRequest(int rows) {
    String data = IntStream.range(0, rows * 16).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    return "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[" + rows + ",16],\"datatype\":\"INT32\",\"data\":" + data
        + "},{\"name\":\"INPUT1\",\"shape\":[" + rows + ",16],\"datatype\":\"INT32\",\"data\":" + data + "}]}";
  }

  static void infer(int rows) throws Exception {
    HttpResponse<String> r = t.post("/v2/models/simple/infer", simpleRequest(rows));
    assertEquals(200, r.statusCode(), r.body());
  }

  static JsonObject stats(String path) throws Exception {
    HttpResponse<String> r = t.get(path);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static JsonObject simpleStats() throws Exception {
    JsonArray all = stats("/v2/models/simple/versions/1/stats").getJsonArray("model_stats");
    assertEquals(1, all.size(), all.encode());
    return all.getJsonObject(0);
  }

  /** Differences between two scrapes of the model {@code simple}, version 1. */
  record Delta(PromText before, PromText after) {
    double of(String name, String... labels) {
      String[] all = withSimple(labels);
      return after.valueOrZero(name, all) - before.valueOrZero(name, all);
    }

    /** The change of the cumulative count of bucket {@code le} of a histogram. */
    double bucket(String histogram, double le) {
      return bucket(after, histogram, le) - bucket(before, histogram, le);
    }

    private static double bucket(PromText p, String histogram, double le) {
      return p.find(histogram + "_bucket", withSimple()).stream()
          .filter(s -> PromText.number(s.labels().get("le")) == le)
          .mapToDouble(PromText.Sample::value).sum();
    }

    private static String[] withSimple(String... labels) {
      List<String> l = new ArrayList<>(List.of("model", "simple", "version", "1"));
      l.addAll(List.of(labels));
      return l.toArray(String[]::new);
    }
  }

  @Test
  void sequentialRequestsShowUpAsBatchesOfTheirOwnSize() throws Exception {
    PromText before = scrape();
    long statsBefore = simpleStats().getLong("execution_count");
    int[] sizes = {1, 2, 3, 8, 1, 4};
    for (int rows : sizes) {
      infer(rows); // alone in the queue, so it runs as a batch of exactly its own rows
    }
    Delta d = new Delta(before, scrape());
    assertEquals(6, d.of("hadron_request_success_total"));
    assertEquals(6, d.of("hadron_request_duration_seconds_count", "outcome", "success"));
    assertEquals(6, d.of("hadron_queue_duration_seconds_count"));
    assertEquals(6, d.of("hadron_executions_total", "device", "cpu"));
    assertEquals(19, d.of("hadron_inferences_total", "device", "cpu"));
    assertEquals(6, d.of("hadron_compute_infer_duration_seconds_count", "device", "cpu"));
    assertEquals(6, d.of("hadron_batch_size_count", "device", "cpu"));
    assertEquals(19, d.of("hadron_batch_size_sum", "device", "cpu"));
    assertEquals(2, d.bucket("hadron_batch_size", 1));
    assertEquals(3, d.bucket("hadron_batch_size", 2));
    assertEquals(5, d.bucket("hadron_batch_size", 4));
    assertEquals(6, d.bucket("hadron_batch_size", 8));
    assertEquals(6, d.bucket("hadron_batch_size", Double.POSITIVE_INFINITY));
    assertEquals(0, d.after().value("hadron_pending_requests", "model", "simple", "version", "1"));
    assertEquals(6, simpleStats().getLong("execution_count") - statsBefore);
  }

  @Test
  void concurrentTrafficCountsEveryRequestAndTheBatchHistogramMatchesTheStatistics() throws Exception {
    PromText before = scrape();
    JsonObject statsBefore = simpleStats();
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> rows = new ArrayList<>();
    for (int c = 0; c < threads; c++) {
      int seed = c;
      rows.add(pool.submit(() -> {
        Random random = new Random(seed);
        int sent = 0;
        for (int i = 0; i < perThread; i++) {
          int n = 1 + random.nextInt(3);
          infer(n);
          sent += n;
        }
        return sent;
      }));
    }
    int totalRows = 0;
    for (Future<Integer> f : rows) {
      totalRows += f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdown();
    Delta d = new Delta(before, scrape());
    JsonObject statsAfter = simpleStats();

    int requests = threads * perThread;
    assertEquals(requests, d.of("hadron_request_success_total"));
    assertEquals(requests, d.of("hadron_queue_duration_seconds_count"));
    assertEquals(totalRows, d.of("hadron_inferences_total", "device", "cpu"));
    assertEquals(totalRows, d.of("hadron_batch_size_sum", "device", "cpu"));
    double executions = d.of("hadron_executions_total", "device", "cpu");
    assertEquals(executions, d.of("hadron_batch_size_count", "device", "cpu"));
    assertTrue(executions >= Math.ceil(totalRows / 8.0) && executions <= requests, "executions " + executions);
    assertEquals(executions, statsAfter.getLong("execution_count") - statsBefore.getLong("execution_count"));
    assertEquals(totalRows, statsAfter.getLong("inference_count") - statsBefore.getLong("inference_count"));

    // Each bucket of the histogram holds exactly the executions the statistics list at that size or below.
    long[] executedBySize = new long[9];
    for (JsonObject stats : List.of(statsAfter, statsBefore)) {
      int sign = stats == statsAfter ? 1 : -1;
      for (Object o : stats.getJsonArray("batch_stats")) {
        JsonObject b = (JsonObject) o;
        executedBySize[b.getInteger("batch_size")] += sign * b.getJsonObject("compute_infer").getLong("count");
      }
    }
    for (int le : new int[] {1, 2, 4, 8}) {
      long expected = 0;
      for (int size = 1; size <= le; size++) {
        expected += executedBySize[size];
      }
      assertEquals(expected, d.bucket("hadron_batch_size", le), "executions of at most " + le + " rows");
    }
  }

  @Test
  void failuresAreCountedByReasonOnlyOnceTheRequestReachesItsModel() throws Exception {
    PromText before = scrape();
    long failedBefore = simpleStats().getJsonObject("inference_stats").getJsonObject("fail").getLong("count");
    assertEquals(400, t.post("/v2/models/simple/infer", simpleRequest(1).replace("INPUT1", "INPUT9")).statusCode());
    assertEquals(400, t.post("/v2/models/simple/infer", simpleRequest(9)).statusCode());
    // Not about the model: malformed JSON never gets as far as a model version.
    assertEquals(400, t.post("/v2/models/simple/infer", "{\"inputs\": [").statusCode());
    assertEquals(404, t.post("/v2/models/nope/infer", simpleRequest(1)).statusCode());
    Delta d = new Delta(before, scrape());
    assertEquals(2, d.of("hadron_request_failure_total", "reason", "invalid"));
    for (String reason : List.of("queue_full", "timed_out", "cancelled", "shutting_down", "engine")) {
      assertEquals(0, d.after().value("hadron_request_failure_total", "model", "simple", "version", "1",
          "reason", reason), reason + " is registered at zero");
    }
    assertEquals(2, d.of("hadron_request_duration_seconds_count", "outcome", "failure"));
    assertEquals(0, d.of("hadron_request_success_total"));
    assertEquals(failedBefore + 2,
        simpleStats().getJsonObject("inference_stats").getJsonObject("fail").getLong("count"));
  }

  @Test
  void statisticsFollowTritonsSchemaForEveryScope() throws Exception {
    long t0 = System.currentTimeMillis();
    infer(2);
    JsonObject s = simpleStats();
    assertEquals("simple", s.getString("name"));
    assertEquals("1", s.getString("version"));
    assertTrue(s.getLong("last_inference") >= t0 && s.getLong("last_inference") <= System.currentTimeMillis(),
        s.encode());
    JsonObject inference = s.getJsonObject("inference_stats");
    long success = inference.getJsonObject("success").getLong("count");
    assertTrue(success >= 1, s.encode());
    for (String f : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      assertEquals(success, inference.getJsonObject(f).getLong("count"), f);
    }
    assertTrue(inference.getJsonObject("success").getLong("ns") >= inference.getJsonObject("compute_infer")
        .getLong("ns") / s.getLong("execution_count"), "a request lasts at least as long as an engine call");
    assertTrue(inference.containsKey("cache_hit") && inference.containsKey("cache_miss"), s.encode());
    JsonObject size2 = s.getJsonArray("batch_stats").stream().map(JsonObject.class::cast)
        .filter(b -> b.getInteger("batch_size") == 2).findFirst().orElseThrow();
    assertTrue(size2.getJsonObject("compute_infer").getLong("ns") > 0, size2.encode());
    assertEquals(List.of(), s.getJsonArray("memory_usage").getList());

    assertEquals(s.getString("name"),
        stats("/v2/models/simple/stats").getJsonArray("model_stats").getJsonObject(0).getString("name"));
    List<String> everyModel = stats("/v2/models/stats").getJsonArray("model_stats").stream()
        .map(o -> ((JsonObject) o).getString("name")).toList();
    assertEquals(List.of("simple"), everyModel, "only models that have loaded have statistics");
    assertEquals(404, t.get("/v2/models/nope/stats").statusCode());
    assertEquals(404, t.get("/v2/models/simple/versions/7/stats").statusCode());
    HttpResponse<String> garbage = t.get("/v2/models/garbage/stats");
    assertEquals(503, garbage.statusCode(), garbage.body());
    assertTrue(garbage.body().contains("no version of it has loaded"), garbage.body());
  }

  @Test
  void modelLifecycleJvmAndHttpServerMetricsArePublished() throws Exception {
    infer(1);
    PromText p = scrape();
    assertEquals(1, p.value("hadron_model_ready", "model", "simple", "version", "1"));
    assertEquals(0, p.value("hadron_model_ready", "model", "garbage", "version", "1"));
    assertTrue(p.value("hadron_model_load_duration_seconds", "model", "simple", "version", "1") > 0);
    assertTrue(p.value("hadron_model_load_duration_seconds", "model", "garbage", "version", "1") > 0);
    assertFalse(p.find("jvm_memory_used_bytes", "area", "heap").isEmpty(), "JVM memory");
    assertFalse(p.find("jvm_threads_live_threads").isEmpty(), "JVM threads");
    assertFalse(p.find("process_cpu_usage").isEmpty(), "process CPU");
    assertFalse(p.find("process_uptime_seconds").isEmpty(), "uptime");
    assertTrue(p.value("hadron_http_server_request_duration_seconds_count", "route", "/v2/models/:model/infer",
        "code", "200", "method", "POST") >= 1, "HTTP server meters by route, method and status");
    assertEquals(1, p.find("hadron_http_server_request_duration_seconds_bucket", "route", "/v2/models/:model/infer",
        "code", "200", "le", "5.0E-5").size(), "HTTP request times are a histogram with Hadron's buckets");
    assertTrue(p.value("hadron_http_server_active_requests") >= 1, "the scrape itself is being served");
    assertTrue(p.value("hadron_http_server_active_connections") >= 1);
    assertTrue(p.value("hadron_http_server_received_bytes_total") > 0);
    assertTrue(p.value("hadron_http_server_sent_bytes_total") > 0);
    assertTrue(p.find("hadron_device_memory_total_bytes").isEmpty(), "no device source, no device metrics");
    assertTrue(p.text.contains("# TYPE hadron_request_duration_seconds histogram"), "histograms, not summaries");
    assertFalse(p.text.contains(" summary\n"), "no summaries");
  }

  @Test
  void theMetricsPortServesOnlyMetricsAndSpeaksOpenMetricsWhenAsked() throws Exception {
    HttpResponse<String> om = metrics("/metrics", "application/openmetrics-text; version=1.0.0");
    assertEquals(200, om.statusCode());
    assertTrue(om.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
    assertTrue(om.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    assertEquals(404, metrics("/v2/health/ready", null).statusCode());
    HttpResponse<String> post = t.client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + t.server.metricsPort() + "/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }

  @Test
  void theScrapePassesPromtoolCheckMetrics() throws Exception {
    Optional<Path> promtool = onPath("promtool");
    Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed (Debian package 'prometheus')");
    infer(3);
    t.post("/v2/models/simple/infer", simpleRequest(9)); // a failure, so that every family has samples
    String text = scrape().text;
    Process p = new ProcessBuilder(promtool.get().toString(), "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(1, TimeUnit.MINUTES), "promtool finished");
    assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
    assertEquals("", out.strip(), "no lint findings");
  }

  @Test
  void theGrafanaDashboardQueriesOnlyMetricsTheServerPublishes() throws Exception {
    infer(1);
    t.post("/v2/models/simple/infer", simpleRequest(9));
    PromText p = scrape();
    java.util.Set<String> published = new java.util.HashSet<>();
    for (PromText.Sample s : p.samples) {
      published.add(s.name());
    }
    String dashboard = ProjectFiles.read("deploy/grafana/hadron-dashboard.json");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:hadron|jvm|process|system)_[a-z0-9_]+)")
        .matcher(dashboard);
    List<String> missing = new ArrayList<>();
    int queried = 0;
    while (m.find()) {
      String name = m.group(1);
      queried++;
      // Device metrics exist only with a device source, which this server has not; GC pauses only
      // once the JVM has collected.
      if (!published.contains(name) && !name.startsWith("hadron_device_") && !name.startsWith("jvm_gc_pause_")) {
        missing.add(name);
      }
    }
    assertTrue(queried > 20, "the dashboard queries metrics");
    assertEquals(List.of(), missing, "metrics the dashboard queries but the server does not publish");
  }

  static Optional<Path> onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
