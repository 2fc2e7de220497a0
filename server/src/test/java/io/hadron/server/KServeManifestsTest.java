package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The KServe ServingRuntime and example InferenceService in deploy/kserve: the runtime's arguments
 * are flags the server accepts, with the ports and model directory KServe uses, and the example
 * asks for a format and protocol the runtime declares.
 */
class KServeManifestsTest {
  private static final JsonObject RUNTIME = Manifests.parse(ProjectFiles.read("deploy/kserve/servingruntime.yaml"))
      .one("ServingRuntime");
  private static final JsonObject SERVICE = Manifests.parse(ProjectFiles.read("deploy/kserve/inferenceservice.yaml"))
      .one("InferenceService");

  @Test
  void theRuntimeServesOnnxAndPytorchOverBothV2Protocols() {
    assertEquals("serving.kserve.io/v1alpha1", RUNTIME.getString("apiVersion"));
    JsonArray formats = RUNTIME.getJsonObject("spec").getJsonArray("supportedModelFormats");
    assertTrue(Manifests.named(formats, "onnx").getBoolean("autoSelect"));
    Manifests.named(formats, "pytorch");
    assertEquals(List.of("v2", "grpc-v2"), RUNTIME.getJsonObject("spec").getJsonArray("protocolVersions").getList());
  }

  @Test
  void theRuntimesArgumentsAreServerFlagsWithKServesPortsAndModelDirectory() {
    JsonObject container =
        Manifests.named(RUNTIME.getJsonObject("spec").getJsonArray("containers"), "kserve-container");
    String[] args = container.getJsonArray("args").stream().map(Object::toString).toArray(String[]::new);
    ServerConfig config = ServerConfig.parse(args);
    // Where KServe's storage initializer puts the storageUri's contents, and KServe's v2 ports.
    assertEquals(Path.of("/mnt/models"), config.modelRepository().orElseThrow());
    assertEquals(8080, config.httpPort());
    assertEquals(9000, config.grpcPort());
    JsonObject annotations = RUNTIME.getJsonObject("spec").getJsonObject("annotations");
    assertEquals(Integer.toString(config.metricsPort()), annotations.getString("prometheus.kserve.io/port"));
    assertEquals("/metrics", annotations.getString("prometheus.kserve.io/path"));
    assertTrue(container.getString("image").matches("hadron:(gpu|cpu)"), container.getString("image"));
  }

  @Test
  void theExampleInferenceServiceRunsOnTheRuntime() {
    assertEquals("serving.kserve.io/v1beta1", SERVICE.getString("apiVersion"));
    JsonObject model = SERVICE.getJsonObject("spec").getJsonObject("predictor").getJsonObject("model");
    assertEquals(RUNTIME.getJsonObject("metadata").getString("name"), model.getString("runtime"));
    Manifests.named(RUNTIME.getJsonObject("spec").getJsonArray("supportedModelFormats"),
        model.getJsonObject("modelFormat").getString("name"));
    JsonArray protocols = RUNTIME.getJsonObject("spec").getJsonArray("protocolVersions");
    assertTrue(protocols.contains(model.getString("protocolVersion")), protocols.encode());
    assertTrue(model.getString("storageUri").matches("[a-z0-9]+://.+"), model.getString("storageUri"));
  }
}
