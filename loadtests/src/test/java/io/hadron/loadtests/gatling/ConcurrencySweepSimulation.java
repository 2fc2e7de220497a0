package io.hadron.loadtests.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Target;
import io.hadron.loadtests.client.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Question: how do throughput and latency change with the number of concurrent clients, for a tiny
 * model ({@code simple}) and a real one (MiniLM), over JSON and over the binary tensor extension?
 *
 * <p>Closed workload: at each step a fixed number of virtual users each loop on one request for
 * the step's duration, every user on its own keep-alive connection, the next request sent when the
 * last is answered. Steps run one after another (1, 8, 32, 128 users by default) for each
 * model and protocol, after a short warm-up per model and protocol, and each step is its own
 * request name in Gatling's report. Assertions: no failed request (status 200 and a body as long as
 * the answer must be), and a p99 ceiling per model at every step.
 *
 * <p>Run against a server on this machine (see {@link LoadTestSettings#REPOSITORY_HINT}):
 *
 * <pre>
 * ./mvnw -pl loadtests gatling:test -Dgatling.simulationClass=io.hadron.loadtests.gatling.ConcurrencySweepSimulation \
 *     -DbaseUrl=http://127.0.0.1:8000 [-Dsweep.seconds=10] [-Dsweep.warmup=5] [-Dsweep.users=1,8,32,128] \
 *     [-Dsequence=128] [-Dsweep.p99.simple.ms=250] [-Dsweep.p99.minilm.ms=20000]
 * </pre>
 *
 * <p>Gatling builds it once and runs it; its fields are set in the constructor and only read after.
 */
public class ConcurrencySweepSimulation extends Simulation {
  private final Target target = LoadTestSettings.target();
  private final Duration step = LoadTestSettings.seconds("sweep.seconds", 10, 120);
  private final Duration warmup = LoadTestSettings.seconds("sweep.warmup", 5, 60);
  private final List<Integer> users = LoadTestSettings.integers("sweep.users", "1,8,32,128", 512);
  private final int sequence = LoadTestSettings.integer("sequence", 128, 2, 512);
  private final int simpleP99 = LoadTestSettings.integer("sweep.p99.simple.ms", 250, 1, 600_000);
  private final int miniLmP99 = LoadTestSettings.integer("sweep.p99.minilm.ms", 20_000, 1, 600_000);

  {
    String simpleModel = System.getProperty("simple.model", "simple");
    String miniLmModel = System.getProperty("minilm.model", Workload.MINILM);
    LoadTestSettings.requireReady(target, simpleModel, miniLmModel);
    Workload simple = Workload.simple().withModel(simpleModel);
    Workload miniLm = Workload.miniLm(miniLmModel, sequence);

    List<PopulationBuilder> steps = new ArrayList<>();
    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    for (Workload w : List.of(simple, miniLm)) {
      int p99 = w == simple ? simpleP99 : miniLmP99;
      for (Payload.Protocol protocol : Payload.Protocol.values()) {
        Payload payload = Payload.of(w, protocol);
        String series = w.model() + " " + protocol.label();
        steps.add(step("warm-up " + series, payload, Math.min(8, users.getLast()), warmup));
        for (int n : users) {
          String name = series + " " + n + (n == 1 ? " user" : " users");
          steps.add(step(name, payload, n, step));
          assertions.add(details(name).responseTime().percentile(99.0).lte(p99));
        }
      }
    }
    setUp(chain(steps)).protocols(LoadTestSettings.protocol(target)).assertions(assertions);
  }

  /** {@code n} users, each looping on one request for {@code d}; scenario and request share a name. */
  private static PopulationBuilder step(String name, Payload payload, int n, Duration d) {
    return scenario(name).exec(during(d).on(LoadTestSettings.infer(name, payload)))
        .injectOpen(atOnceUsers(n));
  }

  /** The steps one after another: each starts when every user of the one before has finished. */
  static PopulationBuilder chain(List<PopulationBuilder> steps) {
    PopulationBuilder next = steps.getLast();
    for (int i = steps.size() - 2; i >= 0; i--) {
      next = steps.get(i).andThen(next);
    }
    return next;
  }
}
