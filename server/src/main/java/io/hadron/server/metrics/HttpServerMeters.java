package io.hadron.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one Vert.x HTTP server (a listener: HTTP, gRPC or metrics), fed through Vert.x's
 * metrics SPI. Hadron implements the SPI itself rather than using Vert.x's Micrometer module, which
 * registers a gauge and looks up four meters by tags on every request: on a model that computes in
 * microseconds that cost several percent of throughput. Here a request allocates one small record,
 * and its meters are found by array index once the first request with the same method, route and
 * status has created them.
 *
 * <p>Thread-safe: the SPI is called on event loops; a request's record is confined to its
 * connection's event loop, meters and counters are thread-safe, and meters are created at most
 * once per key ({@link ConcurrentHashMap#computeIfAbsent}, then a compare-and-set into the array).
 */
final class HttpServerMeters implements HttpServerMetrics<HttpServerMeters.Exchange, Void, Void> {
  /** Methods that get their own label value; anything else is "other", so clients cannot add series. */
  private static final List<HttpMethod> METHODS = List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH);
  private static final int OTHER_METHOD = METHODS.size();
  private static final int MIN_STATUS = 100;
  private static final int STATUS_COUNT = 500; // 100..599
  /** The route label of a request no route matched (gRPC calls, the metrics port, 404s). */
  static final String NO_ROUTE = "";

  private final MeterRegistry registry;
  private final String server;
  private final LongAdder activeRequests = new LongAdder();
  private final LongAdder activeConnections = new LongAdder();
  private final Counter received;
  private final Counter sent;
  /**
   * By route, then by {@code status * methods + method}. One timer per label set: its {@code _count}
   * is the number of requests answered, so no separate counter is kept (one less update per request).
   */
  private final ConcurrentHashMap<String, AtomicReferenceArray<Timer>> byRoute = new ConcurrentHashMap<>();

  /** One request: when it began, and what its labels will be. Confined to its event loop. */
  static final class Exchange {
    final long startNanos = System.nanoTime();
    final int method;
    String route = NO_ROUTE;
    /** Set by a reset or the response's end, whichever comes first: the request is no longer active. */
    boolean ended;

    Exchange(int method) {
      this.method = method;
    }
  }


  /** @param server the listener's label: "http", "grpc", "metrics", or its address */
  HttpServerMeters(MeterRegistry registry, String server) {
    this.registry = registry;
    this.server = server;
    Tags tags = Tags.of("server", server);
    Gauge.builder("hadron.http.server.active.requests", activeRequests, LongAdder::doubleValue).tags(tags)
        .description("HTTP requests (or gRPC calls) being served").strongReference(true).register(registry);
    Gauge.builder("hadron.http.server.active.connections", activeConnections, LongAdder::doubleValue).tags(tags)
        .description("Open connections").strongReference(true).register(registry);
    received = Counter.builder("hadron.http.server.received").baseUnit("bytes").tags(tags)
        .description("Bytes received, headers and framing included").register(registry);
    sent = Counter.builder("hadron.http.server.sent").baseUnit("bytes").tags(tags)
        .description("Bytes sent, headers and framing included").register(registry);
  }

  @Override
  public Void connected(SocketAddress remoteAddress, String remoteName) {
    activeConnections.increment();
    return null;
  }

  @Override
  public void disconnected(Void socketMetric, SocketAddress remoteAddress) {
    activeConnections.decrement();
  }

  @Override
  public void bytesRead(Void socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    received.increment(numberOfBytes);
  }

  @Override
  public void bytesWritten(Void socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    sent.increment(numberOfBytes);
  }

  @Override
  public Exchange requestBegin(Void socketMetric, HttpRequest request) {
    activeRequests.increment();
    int m = METHODS.indexOf(request.method());
    return new Exchange(m < 0 ? OTHER_METHOD : m);
  }

  @Override
  public void requestRouted(Exchange exchange, String route) {
    if (exchange != null && route != null) {
      exchange.route = route;
    }
  }

  @Override
  public void requestReset(Exchange exchange) {
    if (exchange != null && !exchange.ended) {
      exchange.ended = true;
      activeRequests.decrement();
    }
  }

  @Override
  public void responseEnd(Exchange exchange, HttpResponse response, long bytesWritten) {
    if (exchange == null || exchange.ended) {
      return; // a pushed response (no request of ours), or a request already reset
    }
    exchange.ended = true;
    activeRequests.decrement();
    int status = response.statusCode();
    duration(exchange.route, exchange.method, status)
        .record(System.nanoTime() - exchange.startNanos, TimeUnit.NANOSECONDS);
  }

  private Timer duration(String route, int method, int status) {
    int s = status - MIN_STATUS;
    if (s < 0 || s >= STATUS_COUNT) {
      s = 500 - MIN_STATUS; // not an HTTP status: cannot happen through Vert.x, counted as a server error
      status = 500;
    }
    AtomicReferenceArray<Timer> slots = byRoute.computeIfAbsent(route,
        r -> new AtomicReferenceArray<>(STATUS_COUNT * (METHODS.size() + 1)));
    int i = s * (METHODS.size() + 1) + method;
    Timer m = slots.get(i);
    if (m == null) {
      Tags tags = Tags.of("server", server, "method", method == OTHER_METHOD ? "other" : METHODS.get(method).name(),
          "route", route, "code", Integer.toString(status));
      // Micrometer returns the meter already registered under these tags, so a lost race costs nothing.
      m = Timer.builder("hadron.http.server.request.duration").tags(tags)
          .description("HTTP requests (or gRPC calls) answered: from the start of a request to the end of its response")
          .serviceLevelObjectives(Buckets.LATENCY).publishPercentileHistogram(false).register(registry);
      slots.compareAndSet(i, null, m);
    }
    return m;
  }

  @Override
  public void close() {}
}
