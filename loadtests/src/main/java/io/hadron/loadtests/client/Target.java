package io.hadron.loadtests.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * Where the load goes: the HTTP base URL of a KServe v2 server on this machine.
 *
 * <p>Only loopback addresses are accepted. These tools generate sustained load, and a load test
 * aimed at another machine by a typo is the one mistake they must not make; {@link #parse} refuses
 * any host that does not resolve to a loopback address, naming it.
 *
 * <p>Immutable.
 *
 * @param host the host as written in the URL (sent as the {@code Host} header)
 * @param address the resolved loopback socket address
 */
public record Target(String host, InetSocketAddress address) {

  /**
   * Reads a base URL such as {@code http://127.0.0.1:8000}.
   *
   * @throws IllegalArgumentException if it is not plain HTTP, has a path, or is not loopback
   */
  public static Target parse(String baseUrl) {
    URI uri;
    try {
      uri = new URI(baseUrl.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("base URL '" + baseUrl + "' is not a URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("base URL '" + baseUrl + "' must start with http://");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("base URL '" + baseUrl + "' has no host");
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
      throw new IllegalArgumentException("base URL '" + baseUrl + "' must not have a path; the v2 paths are added");
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    return loopback(uri.getHost(), port);
  }

  /** A loopback target given host and port. */
  public static Target loopback(String host, int port) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress address;
    try {
      address = InetAddress.getByName(bare);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host '" + host + "' does not resolve");
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException("host '" + host + "' is " + address.getHostAddress()
          + ", not a loopback address; load is only ever sent to this machine");
    }
    return new Target(host, new InetSocketAddress(address, port));
  }

  /** The base URL, for tools that take one (Gatling). */
  public String baseUrl() {
    return "http://" + host + ":" + address.getPort();
  }
}
