package io.hadron.backend.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.hadron.core.HadronException;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxRuntimeLoadTest {
  private static final BackendOptions OPTIONS = BackendOptions.DEFAULT;

  private final OnnxRuntimeBackend backend = new OnnxRuntimeBackend();

  @TempDir Path dir;

  private ModelConfig completed(ModelConfig.Builder b, Path file) {
    return backend.complete(b.build(), file, OPTIONS);
  }

  @Test
  void theServiceLoaderFindsTheBackend() {
    Backend found = ServiceLoader.load(Backend.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("onnxruntime"))
        .findFirst()
        .orElseThrow();
    assertEquals(java.util.Set.of("onnxruntime_onnx"), found.platforms());
    assertEquals("model.onnx", found.defaultModelFileName());
  }

  @Test
  void oneCpuInstancePerCountAcrossGroups() {
    Path file = TestModels.simple(dir);
    ModelConfig c = completed(ModelConfig.builder("simple")
        .addInstanceGroup(InstanceGroup.cpu(2))
        .addInstanceGroup(new InstanceGroup("auto", 1, InstanceGroup.Kind.KIND_AUTO, List.of())), file);
    try (LoadedModel m = backend.load(c, file, OPTIONS)) {
      assertEquals(3, m.instances().size());
      for (ModelInstance i : m.instances()) {
        assertEquals("cpu", i.device());
      }
      assertEquals(c, m.config());
    }
  }

  @Test
  void noInstanceGroupMeansOneCpuInstance() {
    Path file = TestModels.simple(dir);
    try (LoadedModel m = backend.load(completed(ModelConfig.builder("simple"), file), file, OPTIONS)) {
      assertEquals(1, m.instances().size());
      assertEquals("cpu", m.instances().getFirst().device());
    }
  }

  @Test
  void gpuInstancesWithoutCudaAreUnavailableWithAClearMessage() {
    Assumptions.assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "this ONNX Runtime build has CUDA");
    Path file = TestModels.simple(dir);
    ModelConfig c = completed(ModelConfig.builder("simple")
        .addInstanceGroup(new InstanceGroup("g", 1, InstanceGroup.Kind.KIND_GPU, List.of(1))), file);

    var e = assertThrows(HadronException.Unavailable.class, () -> backend.load(c, file, OPTIONS));
    assertTrue(e.getMessage().contains("'simple'") && e.getMessage().contains("gpu1")
        && e.getMessage().contains("CUDA execution provider is not available"), e.getMessage());
  }

  @Test
  void contradictoryOrUnsupportedInstanceGroupsAreRejected() {
    Path file = TestModels.simple(dir);
    ModelConfig cpuWithGpus = completed(ModelConfig.builder("simple")
        .addInstanceGroup(new InstanceGroup("c", 1, InstanceGroup.Kind.KIND_CPU, List.of(0))), file);
    ModelConfig kindModel = completed(ModelConfig.builder("simple")
        .addInstanceGroup(new InstanceGroup("m", 1, InstanceGroup.Kind.KIND_MODEL, List.of())), file);

    var e1 = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(cpuWithGpus, file, OPTIONS));
    assertTrue(e1.getMessage().contains("'c'") && e1.getMessage().contains("KIND_CPU"), e1.getMessage());
    var e2 = assertThrows(HadronException.Unsupported.class, () -> backend.load(kindModel, file, OPTIONS));
    assertTrue(e2.getMessage().contains("KIND_MODEL"), e2.getMessage());
  }

  @Test
  void aGarbageModelFileFailsWithItsNameAndOrtsReason() throws IOException {
    Path file = Files.write(dir.resolve("broken.onnx"), "not a model at all".getBytes());
    ModelConfig c = ModelConfig.builder("broken").addInstanceGroup(InstanceGroup.cpu(3)).build();

    var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(c, file, OPTIONS));
    assertTrue(e.getMessage().contains("broken.onnx") && e.getMessage().contains("'broken'"), e.getMessage());
    assertTrue(e.getCause() instanceof ai.onnxruntime.OrtException, "ONNX Runtime's exception is kept");
  }

  @Test
  void aConfigurationTheModelContradictsFailsAfterTheFirstSessionAndClosesIt() {
    Path file = TestModels.simple(dir);
    ModelConfig wrong = ModelConfig.builder("simple").maxBatchSize(4)
        .addInstanceGroup(InstanceGroup.cpu(4))
        .addInput(new io.hadron.core.config.TensorConfig("INPUT0", io.hadron.core.DataType.FP32, new long[] {16}, false))
        .build();
    // Repeated so that a leaked session per attempt would show in the process's memory.
    long before = Rss.kib();
    for (int i = 0; i < 20; i++) {
      var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(wrong, file, OPTIONS));
      assertTrue(e.getMessage().contains("'INPUT0'"), e.getMessage());
    }
    Rss.report("20 failed loads", before);
  }

  @Test
  void threadAndOptimizationParametersAreValidatedByName() {
    Path file = TestModels.simple(dir);
    ModelConfig bad = completed(ModelConfig.builder("simple").parameter("intra_op_thread_count", "many"), file);
    var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(bad, file, OPTIONS));
    assertTrue(e.getMessage().contains("intra_op_thread_count") && e.getMessage().contains("'many'"), e.getMessage());

    ModelConfig badLevel = completed(ModelConfig.builder("simple").parameter("hadron.graph_optimization_level", "max"), file);
    var e2 = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(badLevel, file, OPTIONS));
    assertTrue(e2.getMessage().contains("max") && e2.getMessage().contains("extended"), e2.getMessage());

    ModelConfig good = completed(ModelConfig.builder("simple")
        .parameter("intra_op_thread_count", "2")
        .parameter("inter_op_thread_count", "1")
        .parameter("hadron.graph_optimization_level", "basic")
        .parameter("hadron.ort_config.session.intra_op.allow_spinning", "0"), file);
    try (LoadedModel m = backend.load(good, file, OPTIONS)) {
      assertEquals(1, m.instances().size());
    }
  }

  @Test
  void loadingAndClosingFiftyTimesLeavesNothingBehind() {
    Path file = TestModels.miniLm(dir);
    ModelConfig c = completed(ModelConfig.builder("minilm"), file);
    try (LoadedModel warm = backend.load(c, file, OPTIONS)) {
      assertEquals(1, warm.instances().size());
    }
    long before = Rss.kib();
    for (int i = 0; i < 50; i++) {
      LoadedModel m = backend.load(c, file, OPTIONS);
      m.close();
      m.close(); // idempotent
    }
    Rss.report("50 MiniLM load/close cycles", before);
  }

  /** Resident set size, for an informal look at leaks; never asserted. */
  static final class Rss {
    static long kib() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux; nothing to report
      }
      return -1;
    }

    static void report(String what, long beforeKib) {
      long after = kib();
      if (beforeKib >= 0 && after >= 0) {
        System.out.printf("RSS after %s: %d MiB -> %d MiB%n", what, beforeKib / 1024, after / 1024);
      }
    }
  }
}
