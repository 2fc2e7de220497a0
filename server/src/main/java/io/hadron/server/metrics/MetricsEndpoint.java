package io.hadron.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * {@code GET /metrics} on the metrics port: the registry in Prometheus text format, or in
 * OpenMetrics when the scraper's {@code Accept} asks for it (as Prometheus itself does). The scrape
 * runs on a worker thread: reading the JVM and process gauges may touch {@code /proc}, which an
 * event loop must not wait for.
 *
 * <p>Thread-safe: holds only immutable references.
 */
final class MetricsEndpoint implements Handler<HttpServerRequest> {
  static final String PATH = "/metrics";
  static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;

  MetricsEndpoint(Vertx vertx, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (!PATH.equals(request.path())) {
      request.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("no route for " + request.path() + "; metrics are at " + PATH + "\n");
      return;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
      return;
    }
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
    vertx.executeBlocking(() -> registry.scrape(type), false).onComplete(ar -> {
      if (ar.succeeded()) {
        request.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, type).end(ar.result());
      } else {
        request.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
            .end("scrape failed: " + ar.cause() + "\n");
      }
    });
  }
}
