package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A started server and an HTTP client for it, for tests. Not thread-safe. */
final class TestServer implements AutoCloseable {
  final HadronServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  TestServer(ServerConfig config) throws Exception {
    server = HadronServer.start(config.withHttpPort(0).withGrpcPort(0).withMetricsPort(0));
    server.awaitInitialLoad(Duration.ofMinutes(2));
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.httpPort() + path;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return post(path, body.getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> post(String path, byte[] body) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url(path)))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Posts raw bytes with the given header name/value pairs and no Content-Type unless one is given. */
  HttpResponse<byte[]> postBytes(String path, byte[] body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url(path)))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  void assertReady() throws IOException, InterruptedException {
    assertEquals(200, get("/v2/health/ready").statusCode());
  }

  @Override
  public void close() {
    server.close();
  }
}
