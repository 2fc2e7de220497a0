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
 * Question: when several models share the server at once, does each still get answered, and how does
 * a tiny model's latency fare next to heavy ones?
 *
 * <p>Three closed groups of users at the same time, each user looping on its own connection:
 * {@code simple} over JSON, MiniLM fp32 over binary, and the INT8 MiniLM over binary. Assertions: no
 * failed request, and a p99 ceiling per model.
 *
 * <pre>
 * ./mvnw -pl loadtests gatling:test -Dgatling.simulationClass=io.hadron.loadtests.gatling.MixedModelsSimulation \
 *     -DbaseUrl=http://127.0.0.1:8000 [-Dmixed.seconds=30] [-Dmixed.users.simple=8] [-Dmixed.users.minilm=4] \
 *     [-Dmixed.users.minilm.q=4] [-Dmixed.p99.simple.ms=1000] [-Dmixed.p99.minilm.ms=20000]
 * </pre>
 *
 * <p>Gatling builds it once and runs it; its fields are set in the constructor and only read after.
 */
public class MixedModelsSimulation extends Simulation {
  private final Target target = LoadTestSettings.target();
  private final Duration duration = LoadTestSettings.seconds("mixed.seconds", 30, 300);
  private final int sequence = LoadTestSettings.integer("sequence", 128, 2, 512);
  private final int simpleP99 = LoadTestSettings.integer("mixed.p99.simple.ms", 1000, 1, 600_000);
  private final int miniLmP99 = LoadTestSettings.integer("mixed.p99.minilm.ms", 20_000, 1, 600_000);

  {
    String simpleModel = System.getProperty("simple.model", "simple");
    String miniLmModel = System.getProperty("minilm.model", Workload.MINILM);
    String quantizedModel = System.getProperty("minilm.q.model", Workload.MINILM + "-q");
    LoadTestSettings.requireReady(target, simpleModel, miniLmModel, quantizedModel);
    List<PopulationBuilder> groups = new ArrayList<>();
    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    add(groups, assertions, "simple json", Payload.json(Workload.simple().withModel(simpleModel)),
        LoadTestSettings.integer("mixed.users.simple", 8, 1, 512), simpleP99);
    add(groups, assertions, "minilm binary", Payload.binary(Workload.miniLm(miniLmModel, sequence)),
        LoadTestSettings.integer("mixed.users.minilm", 4, 1, 512), miniLmP99);
    add(groups, assertions, "minilm-q binary", Payload.binary(Workload.miniLm(quantizedModel, sequence)),
        LoadTestSettings.integer("mixed.users.minilm.q", 4, 1, 512), miniLmP99);
    setUp(groups).protocols(LoadTestSettings.protocol(target)).assertions(assertions);
  }

  private void add(List<PopulationBuilder> groups, List<Assertion> assertions, String name, Payload payload,
      int users, int p99) {
    groups.add(scenario(name).exec(during(duration).on(LoadTestSettings.infer(name, payload)))
        .injectOpen(atOnceUsers(users)));
    assertions.add(details(name).responseTime().percentile(99.0).lte(p99));
  }
}
