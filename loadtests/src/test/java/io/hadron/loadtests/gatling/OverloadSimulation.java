package io.hadron.loadtests.gatling;

import static io.gatling.javaapi.core.CoreDsl.bodyLength;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.CoreDsl;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Target;
import io.hadron.loadtests.client.Workload;
import io.hadron.loadtests.load.ClosedLoop;
import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.CpuClock;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Question: past its capacity, does the server refuse the excess quickly (503) rather than queue it
 * without bound? And does every request get an answer or a refusal?
 *
 * <p>Targets a model with a bounded queue ({@code all-MiniLM-L6-v2-bounded} of the load-test
 * repository: {@code dynamic_batching { default_queue_policy { max_queue_size: N } }}). First
 * measures the model's capacity with a short closed loop (or takes {@code -Doverload.capacity}),
 * then an open workload: a warm-up at half the capacity for {@code overload.warmup.seconds} (10 by
 * default), then arrivals ramp from a quarter of capacity to {@code overload.factor} times capacity
 * (3 by default) and hold there. Every user is a new arrival on its own connection.
 *
 * <p>A request is good when it is answered (200, full body) or rejected (503) within {@code
 * overload.reject.ms} (5 ms by default); anything else, a slow rejection included, fails it.
 * Assertions, on the ramp and hold only: at most {@code overload.max.failed.percent} failed (1 by
 * default), and a p99 ceiling ({@code overload.p99.ms}, 10 s): a server that queued without bound
 * would blow it as the overload holds. The warm-up's requests are reported under a name of their
 * own and not asserted on: in its first seconds Gatling's own JVM is still compiling its HTTP client,
 * on the same cores, and a refusal measured then times the client as much as the server. The split
 * between answers and rejections is printed at the end.
 *
 * <pre>
 * ./mvnw -pl loadtests gatling:test -Dgatling.simulationClass=io.hadron.loadtests.gatling.OverloadSimulation \
 *     -DbaseUrl=http://127.0.0.1:8000 [-Doverload.capacity=RPS] [-Doverload.factor=3] \
 *     [-Doverload.warmup.seconds=10] [-Doverload.ramp.seconds=20] [-Doverload.hold.seconds=20] [-Doverload.reject.ms=5] [-Doverload.p99.ms=10000]
 * </pre>
 *
 * <p>Thread-safe: the outcome counters are atomic (Gatling's threads update them); the rest is set in
 * the constructor and only read after.
 */
public class OverloadSimulation extends Simulation {
  /** The name the ramp's and hold's requests are reported and asserted under. */
  static final String OVERLOAD_REQUEST = "infer, answered or rejected";
  private final Target target = LoadTestSettings.target();
  private final String model = System.getProperty("overload.model", "all-MiniLM-L6-v2-bounded");
  private final int sequence = LoadTestSettings.integer("sequence", 128, 2, 512);
  private final double givenCapacity = LoadTestSettings.number("overload.capacity", 0, 0, 100_000);
  private final double factor = LoadTestSettings.number("overload.factor", 3, 1, 10);
  private final Duration warmup = LoadTestSettings.seconds("overload.warmup.seconds", 10, 300);
  private final Duration ramp = LoadTestSettings.seconds("overload.ramp.seconds", 20, 300);
  private final Duration hold = LoadTestSettings.seconds("overload.hold.seconds", 20, 300);
  private final int rejectMillis = LoadTestSettings.integer("overload.reject.ms", 5, 1, 60_000);
  private final int p99Millis = LoadTestSettings.integer("overload.p99.ms", 10_000, 1, 600_000);
  private final double maxFailedPercent = LoadTestSettings.number("overload.max.failed.percent", 1, 0, 100);
  private final int probeClients = LoadTestSettings.integer("overload.probe.clients", 8, 1, 512);
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong other = new AtomicLong();
  private final double capacity;

  {
    LoadTestSettings.requireReady(target, model);
    Payload payload = Payload.binary(Workload.miniLm(model, sequence));
    capacity = givenCapacity > 0 ? givenCapacity : probe(payload);
    double peak = factor * capacity;
    System.out.printf(Locale.ROOT, "Overload: capacity %.1f req/s, warm-up %.1f /s for %d s, arrivals ramp"
        + " %.1f -> %.1f /s over %d s, then hold %d s%n", capacity, capacity / 2, warmup.toSeconds(), capacity / 4,
        peak, ramp.toSeconds(), hold.toSeconds());
    ScenarioBuilder warmUp = scenario("warm-up").exec(http("warm-up (not asserted)")
        .post(payload.path())
        .header("Content-Type", payload.contentType())
        .header(Payload.HEADER_LENGTH, Integer.toString(payload.headerLength()))
        .body(CoreDsl.ByteArrayBody(payload.body()))
        .check(status().in(200, 503)));
    ScenarioBuilder arrivals = scenario("overload").exec(http(OVERLOAD_REQUEST)
        .post(payload.path())
        .header("Content-Type", payload.contentType())
        .header(Payload.HEADER_LENGTH, Integer.toString(payload.headerLength()))
        .body(CoreDsl.ByteArrayBody(payload.body()))
        .check(status().in(200, 503).saveAs("status"))
        .checkIf((response, session) -> response.status().code() == 200)
        .then(bodyLength().gte((int) payload.minResponseBytes()))
        .checkIf((response, session) -> response.status().code() == 503)
        .then(responseTimeInMillis().lte(rejectMillis)))
        .exec(session -> {
          int status = session.contains("status") ? session.getInt("status") : -1;
          (status == 200 ? answered : status == 503 ? rejected : other).incrementAndGet();
          return session;
        });
    setUp(warmUp.injectOpen(constantUsersPerSec(capacity / 2).during(warmup))
        .andThen(arrivals.injectOpen(rampUsersPerSec(capacity / 4).to(peak).during(ramp),
            constantUsersPerSec(peak).during(hold))))
        .protocols(LoadTestSettings.protocol(target))
        .assertions(details(OVERLOAD_REQUEST).failedRequests().percent().lte(maxFailedPercent),
            details(OVERLOAD_REQUEST).responseTime().percentile(99.0).lte(p99Millis));
  }

  private double probe(Payload payload) {
    try {
      ClosedLoopResult r = ClosedLoop.run(target, payload, new ClosedLoop.Settings(probeClients,
          Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)), CpuClock.none());
      if (r.errors() > 0 || r.completed() == 0) {
        throw new IllegalStateException("capacity probe of '" + model + "' failed: " + r.errors() + " errors, "
            + r.firstError());
      }
      return r.throughput();
    } catch (IOException e) {
      throw new IllegalStateException("capacity probe of '" + model + "' failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing capacity", e);
    }
  }

  @Override
  public void after() {
    long total = answered.get() + rejected.get() + other.get();
    System.out.printf(Locale.ROOT, "Overload at %.1fx capacity (%.1f req/s): %d requests, %d answered (200),"
        + " %d rejected (503), %d other%n", factor, capacity, total, answered.get(), rejected.get(), other.get());
  }
}
