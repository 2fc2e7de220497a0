package io.hadron.loadtests.gatling;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.bodyLength;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.hadron.loadtests.client.Http1Connection;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Reply;
import io.hadron.loadtests.client.Target;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulations share: their settings (system properties, bounded), the HTTP protocol, the
 * infer request, and a readiness check that fails early with a useful message.
 *
 * <p>Every setting is a system property; the Gatling plugin passes on those given to Maven
 * ({@code ./mvnw -pl loadtests gatling:test -DbaseUrl=http://127.0.0.1:8000 -Dsweep.seconds=5}).
 *
 * <p>Stateless.
 */
final class LoadTestSettings {
  /** Where {@code hadron-bench.jar repository} writes the repository the simulations expect. */
  static final String REPOSITORY_HINT = """
      start the server on the load-test repository first, from the repository root:
        java -jar loadtests/target/hadron-bench.jar repository
        java -jar server/target/hadron-server.jar --host 127.0.0.1 --model-repository loadtests/target/bench/repository""";

  private LoadTestSettings() {}

  /** The server under test: {@code -DbaseUrl}, loopback only. */
  static Target target() {
    return Target.parse(System.getProperty("baseUrl", "http://127.0.0.1:8000"));
  }

  static int integer(String name, int defaultValue, int min, int max) {
    String raw = System.getProperty(name);
    int v;
    try {
      v = raw == null ? defaultValue : Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + " needs an integer, got '" + raw + "'");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("-D" + name + " must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  static double number(String name, double defaultValue, double min, double max) {
    String raw = System.getProperty(name);
    double v;
    try {
      v = raw == null ? defaultValue : Double.parseDouble(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + " needs a number, got '" + raw + "'");
    }
    if (!(v >= min && v <= max)) {
      throw new IllegalArgumentException("-D" + name + " must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  static Duration seconds(String name, int defaultValue, int max) {
    return Duration.ofSeconds(integer(name, defaultValue, 1, max));
  }

  static List<Integer> integers(String name, String defaultValue, int max) {
    String raw = System.getProperty(name, defaultValue);
    List<Integer> list = new ArrayList<>();
    for (String part : raw.split(",")) {
      try {
        int v = Integer.parseInt(part.trim());
        if (v < 1 || v > max) {
          throw new IllegalArgumentException("-D" + name + ": each value must be between 1 and " + max + ", got " + v);
        }
        list.add(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("-D" + name + " needs comma-separated integers, got '" + raw + "'");
      }
    }
    return list;
  }

  /** Plain HTTP/1.1 to the target; no warm-up request to any other host, no caching. */
  static HttpProtocolBuilder protocol(Target target) {
    return http.baseUrl(target.baseUrl()).disableWarmUp().disableCaching().acceptHeader("*/*");
  }

  /**
   * One KServe v2 infer call, good only as a 200 with a body at least as long as the answer must
   * be.
   */
  static HttpRequestActionBuilder infer(String name, Payload p) {
    HttpRequestActionBuilder r = http(name).post(p.path()).header("Content-Type", p.contentType())
        .body(ByteArrayBody(p.body()));
    if (p.headerLength() >= 0) {
      r = r.header(Payload.HEADER_LENGTH, Integer.toString(p.headerLength()));
    }
    return r.check(status().is(200), bodyLength().gte((int) Math.min(Integer.MAX_VALUE, p.minResponseBytes())));
  }

  /** Fails now, naming what to do, unless every model is ready on the target. */
  static void requireReady(Target target, String... models) {
    try (Http1Connection c = new Http1Connection(target, 5000)) {
      for (String m : models) {
        Reply r = c.get("/v2/models/" + m + "/ready");
        if (r.status() != 200) {
          throw new IllegalStateException("model '" + m + "' is not ready at " + target.baseUrl() + " (HTTP "
              + r.status() + " " + r.errorText() + ");\n" + REPOSITORY_HINT);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("no server at " + target.baseUrl() + " (" + e + ");\n" + REPOSITORY_HINT, e);
    }
  }
}
