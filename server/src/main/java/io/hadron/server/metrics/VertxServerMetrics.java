package io.hadron.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vert.x's metrics SPI for a Hadron server: HTTP servers only (Hadron uses no event bus, client or
 * pool on a hot path), each listener reporting as {@link HttpServerMeters} into the shared registry.
 *
 * <p>Thread-safe: listeners are created through a concurrent map, once per name, so that a server
 * Vert.x creates twice for one address (scaled servers) shares its meters.
 */
final class VertxServerMetrics implements VertxMetrics {
  private final MeterRegistry registry;
  private final Map<Integer, String> listenerNames;
  private final ConcurrentHashMap<String, HttpServerMeters> servers = new ConcurrentHashMap<>();

  /** @param listenerNames the {@code server} label of each port ("http", "grpc", "metrics") */
  VertxServerMetrics(MeterRegistry registry, Map<Integer, String> listenerNames) {
    this.registry = registry;
    this.listenerNames = Map.copyOf(listenerNames);
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    // A listener on a port nobody named (an ephemeral port, in tests) is labelled with its address.
    String name = listenerNames.getOrDefault(localAddress.port(), localAddress.host() + ":" + localAddress.port());
    return servers.computeIfAbsent(name, n -> new HttpServerMeters(registry, n));
  }

  @Override
  public boolean isMetricsEnabled() {
    return true;
  }
}
