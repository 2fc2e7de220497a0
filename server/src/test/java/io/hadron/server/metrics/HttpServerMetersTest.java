package io.hadron.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP server meters, driven through Vert.x's SPI by hand. */
class HttpServerMetersTest {
  private final ServerMetrics server = ServerMetrics.prometheus(System::nanoTime, List.of());
  private final MeterRegistry registry = server.registry().orElseThrow();
  private final VertxServerMetrics spi = new VertxServerMetrics(registry, Map.of(8000, "http", 8001, "grpc"));

  @AfterEach
  void close() {
    server.close();
  }

  record Request(HttpMethod method) implements HttpRequest {
    @Override
    public int id() {
      return 1;
    }

    @Override
    public String uri() {
      return "/x";
    }

    @Override
    public String absoluteURI() {
      return "http://localhost/x";
    }

    @Override
    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }

    @Override
    public SocketAddress remoteAddress() {
      return SocketAddress.inetSocketAddress(1234, "127.0.0.1");
    }
  }

  record Response(int statusCode) implements HttpResponse {
    @Override
    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }
  }

  private HttpServerMeters listener(int port) {
    return (HttpServerMeters) spi.createHttpServerMetrics(null, SocketAddress.inetSocketAddress(port, "0.0.0.0"));
  }

  private static void serve(HttpServerMeters m, HttpMethod method, String route, int status) {
    HttpServerMeters.Exchange e = m.requestBegin(null, new Request(method));
    if (route != null) {
      m.requestRouted(e, route);
    }
    m.responseEnd(e, new Response(status), 10);
  }

  @Test
  void requestsAreCountedAndTimedByListenerMethodRouteAndStatus() {
    HttpServerMeters http = listener(8000);
    serve(http, HttpMethod.POST, "/v2/models/:model/infer", 200);
    serve(http, HttpMethod.POST, "/v2/models/:model/infer", 200);
    serve(http, HttpMethod.POST, "/v2/models/:model/infer", 503);
    serve(listener(8001), HttpMethod.POST, null, 200);
    assertEquals(2, registry.get("hadron.http.server.request.duration").tags("server", "http", "method", "POST",
        "route", "/v2/models/:model/infer", "code", "200").timer().count());
    assertEquals(1, registry.get("hadron.http.server.request.duration").tags("server", "http", "code", "503")
        .timer().count());
    assertEquals(1, registry.get("hadron.http.server.request.duration").tags("server", "grpc", "route", "").timer().count());
    assertEquals(0, registry.get("hadron.http.server.active.requests").tags("server", "http").gauge().value());
    Timer ok = registry.get("hadron.http.server.request.duration").tags("server", "http", "code", "200").timer();
    assertEquals(2, ok.count());
    assertEquals(Buckets.LATENCY.length, ok.takeSnapshot().histogramCounts().length, "a histogram, our buckets");
  }

  @Test
  void unusualMethodsShareOneLabelSoClientsCannotAddSeries() {
    HttpServerMeters http = listener(8000);
    serve(http, HttpMethod.valueOf("BREW"), null, 405);
    serve(http, HttpMethod.valueOf("WHEN"), null, 405);
    assertEquals(2, registry.get("hadron.http.server.request.duration").tags("method", "other", "code", "405")
        .timer().count());
  }

  @Test
  void anUnnamedPortIsLabelledWithItsAddressAndAServerCreatedTwiceSharesItsMeters() {
    assertSame(listener(8000), listener(8000));
    serve(listener(9999), HttpMethod.GET, null, 200);
    assertEquals(1, registry.get("hadron.http.server.request.duration").tags("server", "0.0.0.0:9999").timer().count());
  }

  @Test
  void aResetRequestLeavesTheActiveCountOnceAndIsNotCountedAsAnswered() {
    HttpServerMeters grpc = listener(8001);
    HttpServerMeters.Exchange e = grpc.requestBegin(null, new Request(HttpMethod.POST));
    assertEquals(1, registry.get("hadron.http.server.active.requests").tags("server", "grpc").gauge().value());
    grpc.requestReset(e);
    grpc.responseEnd(e, new Response(200), 0);
    assertEquals(0, registry.get("hadron.http.server.active.requests").tags("server", "grpc").gauge().value());
    assertEquals(0, registry.find("hadron.http.server.request.duration").tags("server", "grpc").timers().size());
  }

  @Test
  void connectionsAndBytesArePerListener() {
    HttpServerMeters http = listener(8000);
    http.connected(null, null);
    http.connected(null, null);
    http.disconnected(null, null);
    http.bytesRead(null, null, 100);
    http.bytesWritten(null, null, 40);
    assertEquals(1, registry.get("hadron.http.server.active.connections").tags("server", "http").gauge().value());
    assertEquals(100, registry.get("hadron.http.server.received").tags("server", "http").counter().count());
    assertEquals(40, registry.get("hadron.http.server.sent").tags("server", "http").counter().count());
  }
}
