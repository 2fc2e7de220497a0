package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.hadron.quantization.onnx.SimpleModels;
import io.hadron.server.repository.BundledModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart in deploy/helm/hadron, linted and rendered by Helm itself (helm-java runs Helm's
 * own code as a native library, no cluster needed), then checked against the server: probe paths
 * and ports, the drain fitting in the grace period, the GPU request, the autoscaling metric, the
 * disruption budget and the scrape target.
 */
class HelmChartTest {
  private static final Path CHART = ProjectFiles.path("deploy/helm/hadron");
  private static final String RELEASE = "inference";
  private static final String FULLNAME = "inference-hadron";

  @Test
  void chartPassesHelmLintStrict() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
  }

  @Test
  void defaultsRenderAGpuDeploymentItsServiceAndADisruptionBudget() {
    Manifests m = render(Map.of());
    assertEquals(List.of("Deployment", "PodDisruptionBudget", "Service"), m.kinds());
    JsonObject container = container(m);
    assertEquals("hadron:gpu", container.getString("image"));
    JsonObject resources = container.getJsonObject("resources");
    assertEquals("1", resources.getJsonObject("limits").getValue("nvidia.com/gpu").toString());
    assertEquals("1", resources.getJsonObject("requests").getValue("nvidia.com/gpu").toString());
    JsonObject models = Manifests.named(podSpec(m).getJsonArray("volumes"), "models");
    assertEquals("hadron-models", models.getJsonObject("persistentVolumeClaim").getString("claimName"));
    assertEquals(1, m.one("Deployment").getJsonObject("spec").getInteger("replicas"));
  }

  @Test
  void probesAskTheV2HealthEndpointsOnTheHttpPort() {
    JsonObject c = container(render(Map.of()));
    JsonArray ports = c.getJsonArray("ports");
    ServerConfig d = ServerConfig.defaults();
    assertEquals(d.httpPort(), Manifests.named(ports, "http").getInteger("containerPort"));
    assertEquals(d.grpcPort(), Manifests.named(ports, "grpc").getInteger("containerPort"));
    assertEquals(d.metricsPort(), Manifests.named(ports, "metrics").getInteger("containerPort"));
    for (String probe : new String[] {"livenessProbe", "startupProbe"}) {
      JsonObject get = c.getJsonObject(probe).getJsonObject("httpGet");
      assertEquals("/v2/health/live", get.getString("path"), probe);
      assertEquals("http", get.getString("port"), probe);
    }
    JsonObject ready = c.getJsonObject("readinessProbe").getJsonObject("httpGet");
    assertEquals("/v2/health/ready", ready.getString("path"));
    assertEquals("http", ready.getString("port"));
  }

  @Test
  void theGracePeriodOutlastsTheShutdownDelayAndDrainTheServerIsGiven() {
    Manifests m = render(Map.of("server.shutdownTimeoutSeconds", 45, "server.shutdownDelaySeconds", 10));
    ServerConfig config = serverConfig(container(m));
    assertEquals(Duration.ofSeconds(45), config.shutdownTimeout());
    assertEquals(Duration.ofSeconds(10), config.shutdownDelay());
    long grace = podSpec(m).getLong("terminationGracePeriodSeconds");
    assertTrue(grace > config.shutdownDelay().plus(config.shutdownTimeout()).toSeconds(), "grace period " + grace);
    assertEquals(Path.of("/models"), config.modelRepository().orElseThrow());
    assertFalse(podSpec(m).getBoolean("enableServiceLinks"), "service links would put HADRON_* variables in the pod");
  }

  @Test
  void aGracePeriodShorterThanTheDrainIsRefused() {
    Exception e = assertThrows(Exception.class, () -> render(Map.of("terminationGracePeriodSeconds", 20)));
    assertTrue(e.getMessage().contains("terminationGracePeriodSeconds"), e.getMessage());
    assertEquals(60, podSpec(render(Map.of("terminationGracePeriodSeconds", 60)))
        .getInteger("terminationGracePeriodSeconds"));
  }

  @Test
  void everySettingTheChartPassesIsOneTheServerAccepts() {
    Manifests m = render(Map.of("server.env.HADRON_MAX_REQUEST_SIZE", "256m",
        "server.args[0]", "--model-load-threads=4"));
    ServerConfig config = serverConfig(container(m));
    assertEquals(256L << 20, config.maxRequestBytes());
    assertEquals(4, config.modelLoadThreads());
  }

  @Test
  void withoutGpuTheCpuImageRunsAndNoGpuIsRequested() {
    JsonObject c = container(render(Map.of("gpu.enabled", false)));
    assertEquals("hadron:cpu", c.getString("image"));
    assertNull(c.getJsonObject("resources").getJsonObject("limits").getValue("nvidia.com/gpu"));
    assertNull(c.getJsonObject("resources").getJsonObject("requests").getValue("nvidia.com/gpu"));
  }

  @Test
  void anInitContainerCanFillTheModelRepositoryInstead() {
    Exception e = assertThrows(Exception.class, () -> render(Map.of("modelRepository.source", "initContainer")));
    assertTrue(e.getMessage().contains("modelRepository.initContainer.command"), e.getMessage());
    Manifests m = render(Map.of("modelRepository.source", "initContainer",
        "modelRepository.initContainer.command[0]", "sh",
        "modelRepository.initContainer.command[1]", "-c",
        "modelRepository.initContainer.command[2]", "cp -r /seed/. /models"));
    JsonObject init = podSpec(m).getJsonArray("initContainers").getJsonObject(0);
    assertEquals("/models", init.getJsonArray("volumeMounts").getJsonObject(0).getString("mountPath"));
    assertTrue(Manifests.named(podSpec(m).getJsonArray("volumes"), "models").containsKey("emptyDir"));
  }

  @Test
  void autoscalingScalesTheDeploymentOnPendingRequestsPerPod() {
    Manifests m = render(Map.of("autoscaling.enabled", true, "autoscaling.maxReplicas", 6));
    assertFalse(m.one("Deployment").getJsonObject("spec").containsKey("replicas"), "the autoscaler owns replicas");
    JsonObject spec = m.one("HorizontalPodAutoscaler").getJsonObject("spec");
    assertEquals(FULLNAME, spec.getJsonObject("scaleTargetRef").getString("name"));
    assertEquals("Deployment", spec.getJsonObject("scaleTargetRef").getString("kind"));
    assertEquals(6, spec.getInteger("maxReplicas"));
    JsonObject metric = spec.getJsonArray("metrics").getJsonObject(0);
    assertEquals("Pods", metric.getString("type"));
    assertEquals("hadron_pending_requests", metric.getJsonObject("pods").getJsonObject("metric").getString("name"));
    assertEquals("AverageValue", metric.getJsonObject("pods").getJsonObject("target").getString("type"));
    // The Prometheus adapter rule publishes the metric under that name.
    JsonObject rule = Manifests.parse(ProjectFiles.read("deploy/prometheus-adapter/values.yaml")).all().getFirst()
        .getJsonObject("rules").getJsonArray("custom").getJsonObject(0);
    assertEquals("hadron_pending_requests", rule.getJsonObject("name").getString("as"));
    assertTrue(rule.getString("seriesQuery").startsWith("hadron_pending_requests{"));
  }

  @Test
  void theAutoscalingMetricIsOneTheServerExports(@TempDir Path repo) throws Exception {
    Files.createDirectories(repo.resolve("simple/1"));
    Files.write(repo.resolve("simple/1/model.onnx"), SimpleModels.tritonSimple());
    Files.writeString(repo.resolve("simple/config.pbtxt"), BundledModels.SIMPLE_CONFIG);
    String metric = render(Map.of("autoscaling.enabled", true)).one("HorizontalPodAutoscaler")
        .getJsonObject("spec").getJsonArray("metrics").getJsonObject(0)
        .getJsonObject("pods").getJsonObject("metric").getString("name");
    try (TestServer t = new TestServer(ServerConfig.defaults().withModelRepository(repo))) {
      HttpResponse<String> scrape = t.client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + t.server.metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.body().lines().anyMatch(l -> l.startsWith(metric + "{")),
          metric + " is not among the server's metrics");
    }
  }

  @Test
  void theServiceMonitorScrapesTheMetricsPort() {
    Manifests m = render(Map.of("serviceMonitor.enabled", true));
    JsonObject endpoint = m.one("ServiceMonitor").getJsonObject("spec").getJsonArray("endpoints").getJsonObject(0);
    assertEquals("/metrics", endpoint.getString("path"));
    JsonObject servicePort = Manifests.named(m.one("Service").getJsonObject("spec").getJsonArray("ports"),
        endpoint.getString("port"));
    JsonObject containerPort = Manifests.named(container(m).getJsonArray("ports"), servicePort.getString("targetPort"));
    assertEquals(ServerConfig.defaults().metricsPort(), containerPort.getInteger("containerPort"));
    assertEquals(selector(m.one("Service").getJsonObject("spec").getJsonObject("selector")),
        selector(m.one("ServiceMonitor").getJsonObject("spec").getJsonObject("selector").getJsonObject("matchLabels")));
  }

  @Test
  void theServiceExposesAllThreePortsAndTheBudgetCoversThePods() {
    Manifests m = render(Map.of());
    JsonArray ports = m.one("Service").getJsonObject("spec").getJsonArray("ports");
    assertEquals(8000, Manifests.named(ports, "http").getInteger("port"));
    assertEquals(8001, Manifests.named(ports, "grpc").getInteger("port"));
    assertEquals("kubernetes.io/h2c", Manifests.named(ports, "grpc").getString("appProtocol"));
    assertEquals(8002, Manifests.named(ports, "metrics").getInteger("port"));
    JsonObject podLabels = m.one("Deployment").getJsonObject("spec").getJsonObject("template")
        .getJsonObject("metadata").getJsonObject("labels");
    JsonObject pdb = m.one("PodDisruptionBudget").getJsonObject("spec");
    assertEquals(1, pdb.getInteger("maxUnavailable"));
    pdb.getJsonObject("selector").getJsonObject("matchLabels").forEach(
        e -> assertEquals(e.getValue(), podLabels.getValue(e.getKey()), "PDB selects " + e));
    m.one("Service").getJsonObject("spec").getJsonObject("selector").forEach(
        e -> assertEquals(e.getValue(), podLabels.getValue(e.getKey()), "Service selects " + e));
  }

  private static Manifests render(Map<String, Object> values) {
    TemplateCommand t = new Helm(CHART).template().withName(RELEASE).withNamespace("models");
    values.forEach(t::set);
    return Manifests.parse(t.call());
  }

  private static JsonObject podSpec(Manifests m) {
    return m.one("Deployment").getJsonObject("spec").getJsonObject("template").getJsonObject("spec");
  }

  private static JsonObject container(Manifests m) {
    return Manifests.named(podSpec(m).getJsonArray("containers"), "hadron");
  }

  private static Map<String, Object> selector(JsonObject labels) {
    return labels.getMap();
  }

  /** What the server makes of the container's HADRON_* environment and arguments. */
  private static ServerConfig serverConfig(JsonObject container) {
    Map<String, String> env = new HashMap<>();
    JsonArray vars = container.getJsonArray("env");
    for (int i = 0; i < vars.size(); i++) {
      env.put(vars.getJsonObject(i).getString("name"), vars.getJsonObject(i).getString("value"));
    }
    JsonArray args = container.getJsonArray("args", new JsonArray());
    return ServerConfig.parse(env, args.stream().map(Object::toString).toArray(String[]::new));
  }
}
