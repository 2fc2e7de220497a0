package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the real server jar, run as a child process the way a container runs it: requests in
 * flight when the signal arrives are all answered, readiness turns false before the listener
 * closes, and the process exits 0.
 *
 * <p>The model is MiniLM on one instance with one engine thread, fed 256-token requests: about
 * 30-70 ms of work each, so a burst of {@value #BURST} keeps the instance busy for a second or more
 * and most of it is still queued when the signal comes. Every request is sent before the signal, so
 * every one must get 200: the shutdown delay keeps the listener open while readiness already says
 * no, and the drain then finishes what was accepted. A 503 would mean a request was dropped.
 *
 * <p>Runs in the integration-test phase, after {@code package} has built the jar.
 */
class GracefulShutdownIT {
  private static final int BURST = 32;
  private static final int TOKENS = 256;
  private static final Pattern HTTP_PORT = Pattern.compile("KServe v2 HTTP on [^:\\s]+:(\\d+)");

  @TempDir Path dir;
  private Process server;

  @AfterEach
  void killLeftover() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  @Test
  void sigtermAnswersEveryRequestInFlightTurnsNotReadyFirstAndExitsZero() throws Exception {
    Path log = dir.resolve("server.log");
    server = start(writeRepository(dir.resolve("models")), log);
    int port = awaitPort(log);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    awaitReady(client, port);

    AtomicInteger answered = new AtomicInteger();
    HttpRequest infer = HttpRequest.newBuilder(uri(port, "/v2/models/minilm/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(inferBody())).build();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      burst.add(client.sendAsync(infer, HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> answered.incrementAndGet()));
    }
    server.destroy(); // SIGTERM on Linux and macOS

    // Readiness says no while the listener is still open (the shutdown delay)...
    HttpResponse<String> ready = awaitNotReady(client, port);
    assertEquals(400, ready.statusCode(), ready.body());
    assertTrue(ready.body().contains("shutting down"), ready.body());
    // ...then the listener closes while requests are still being worked off.
    awaitRefused(port);
    int answeredWhenClosed = answered.get();

    for (CompletableFuture<HttpResponse<String>> f : burst) {
      HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject out = new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0);
      assertEquals("last_hidden_state", out.getString("name"));
      assertEquals(List.of(1, TOKENS, 384), out.getJsonArray("shape").getList());
    }
    assertTrue(answeredWhenClosed < BURST,
        "every request was answered before the listener closed, so the drain was not exercised");
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not exit after draining");
    assertEquals(0, server.exitValue(), Files.readString(log));
    String output = Files.readString(log);
    assertTrue(output.contains("shutting down: not ready"), output);
    assertTrue(output.contains("stopped after"), output);
  }

  /** The server jar, configured through the environment as a container would be. */
  private static Process start(Path repository, Path log) throws IOException {
    String jar = System.getProperty("hadron.server.jar");
    assertTrue(jar != null && Files.isRegularFile(Path.of(jar)),
        "hadron.server.jar must name the packaged server (set by the failsafe configuration): " + jar);
    ProcessBuilder pb = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith(ServerConfig.ENV_PREFIX));
    env.put("HADRON_MODEL_REPOSITORY", repository.toString());
    env.put("HADRON_HOST", "127.0.0.1");
    env.put("HADRON_HTTP_PORT", "0");
    env.put("HADRON_GRPC_PORT", "0");
    env.put("HADRON_METRICS_PORT", "0");
    // Shorter than the burst takes, so the listener closes while requests are still in flight.
    env.put("HADRON_SHUTDOWN_DELAY", "1s");
    env.put("HADRON_SHUTDOWN_TIMEOUT", "30s");
    return pb.start();
  }

  /** MiniLM (fp32) as the only model: one instance, one engine thread, batches of up to 4. */
  private static Path writeRepository(Path root) throws IOException {
    Path model = root.resolve("minilm/1/model.onnx");
    Files.createDirectories(model.getParent());
    try (InputStream in = GracefulShutdownIT.class.getResourceAsStream(
        "/io/hadron/server/bundled/all-minilm-l6-v2.onnx")) {
      assertTrue(in != null, "the bundled MiniLM resource is missing from the test class path");
      Files.copy(in, model);
    }
    Files.writeString(root.resolve("minilm/config.pbtxt"), """
        name: "minilm"
        platform: "onnxruntime_onnx"
        max_batch_size: 4
        dynamic_batching { }
        instance_group { count: 1 kind: KIND_CPU }
        parameters { key: "intra_op_thread_count" value { string_value: "1" } }
        parameters { key: "inter_op_thread_count" value { string_value: "1" } }
        """, StandardCharsets.UTF_8);
    return root;
  }

  private static String inferBody() {
    String ids = IntStream.range(0, TOKENS)
        .mapToObj(i -> i == 0 ? "101" : i == TOKENS - 1 ? "102" : Integer.toString(1000 + i))
        .collect(Collectors.joining(","));
    String ones = String.join(",", Collections.nCopies(TOKENS, "1"));
    String zeros = String.join(",", Collections.nCopies(TOKENS, "0"));
    String shape = "[1," + TOKENS + "]";
    return "{\"inputs\":["
        + "{\"name\":\"input_ids\",\"shape\":" + shape + ",\"datatype\":\"INT64\",\"data\":[" + ids + "]},"
        + "{\"name\":\"attention_mask\",\"shape\":" + shape + ",\"datatype\":\"INT64\",\"data\":[" + ones + "]},"
        + "{\"name\":\"token_type_ids\",\"shape\":" + shape + ",\"datatype\":\"INT64\",\"data\":[" + zeros + "]}"
        + "],\"outputs\":[{\"name\":\"last_hidden_state\",\"parameters\":{\"binary_data\":false}}]}";
  }

  private static int awaitPort(Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher m = HTTP_PORT.matcher(Files.readString(log));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.sleep(50);
    }
    fail("the server did not report its HTTP port:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    return -1;
  }

  private static void awaitReady(HttpClient client, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (get(client, port, "/v2/health/ready").statusCode() == 200) {
        return;
      }
      Thread.sleep(50);
    }
    fail("the server did not become ready");
  }

  /** The first readiness answer other than 200 after the signal. */
  private static HttpResponse<String> awaitNotReady(HttpClient client, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      // A fresh client each time: a pooled keep-alive connection may be cut when shutdown starts.
      try (HttpClient fresh = HttpClient.newHttpClient()) {
        HttpResponse<String> r = get(fresh, port, "/v2/health/ready");
        if (r.statusCode() != 200) {
          return r;
        }
      } catch (IOException e) {
        // A connection cut as shutdown began; ask again on a new one.
      }
      Thread.sleep(10);
    }
    throw new AssertionError("readiness stayed 200 after SIGTERM");
  }

  /** Waits until new connections are refused: the listener has closed. */
  private static void awaitRefused(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      // A fresh client: a pooled keep-alive connection would not show whether the listener is open.
      try (HttpClient fresh = HttpClient.newHttpClient()) {
        HttpResponse<String> r = fresh.send(
            HttpRequest.newBuilder(uri(port, "/v2/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertFalse(r.statusCode() >= 500, "liveness failed during shutdown: " + r.statusCode() + " " + r.body());
      } catch (ConnectException e) {
        return;
      } catch (IOException e) {
        // Accepted by a listener that is closing: the connection is cut; ask again.
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the listener was still accepting 10 s after SIGTERM");
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(port, path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
