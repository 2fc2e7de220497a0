package io.hadron.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SPI surface, configuration completion, and every way a load is refused. */
class PyTorchBackendTest {
  private static final BackendOptions OPTIONS = BackendOptions.DEFAULT;

  private final PyTorchBackend backend = new PyTorchBackend();

  @TempDir Path dir;

  private static ModelConfig.Builder declared(String name) {
    return ModelConfig.builder(name)
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {2}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {2}, false));
  }

  private Path cloning() {
    return TorchScriptArchives.cloning(dir.resolve("1/model.pt"));
  }

  @Test
  void theServiceLoaderFindsTheBackend() {
    Backend found = ServiceLoader.load(Backend.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("pytorch"))
        .findFirst()
        .orElseThrow();
    assertEquals(Set.of("pytorch_libtorch"), found.platforms());
    assertEquals("model.pt", found.defaultModelFileName());
  }

  @Test
  void completionAsksForInputsAndOutputsInTheConfigFile() {
    Path file = cloning();
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(ModelConfig.builder("bare").build(), file, OPTIONS));
    assertTrue(e.getMessage().contains("'bare'") && e.getMessage().contains("config.pbtxt")
        && e.getMessage().contains("no input is declared") && e.getMessage().contains("no output is declared"),
        e.getMessage());
    var onlyInputs = ModelConfig.builder("half")
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {2}, false)).build();
    e = assertThrows(HadronException.InvalidArgument.class, () -> backend.complete(onlyInputs, file, OPTIONS));
    assertTrue(e.getMessage().contains("no output is declared") && !e.getMessage().contains("no input"),
        e.getMessage());
  }

  @Test
  void completionFillsPlatformAndBackendAndKeepsTheRest() {
    Path file = cloning();
    ModelConfig c = declared("m").maxBatchSize(8).parameter("x", "y").build();
    ModelConfig done = backend.complete(c, file, OPTIONS);
    assertEquals(c.toBuilder().platform("pytorch_libtorch").backend("pytorch").build(), done);
    ModelConfig byPlatform = declared("m").platform("pytorch_libtorch").build();
    assertEquals("pytorch", backend.complete(byPlatform, file, OPTIONS).backend());
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("1/model.pt");
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.load(declared("gone").build(), missing, OPTIONS));
    assertTrue(e.getMessage().contains("'gone'") && e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void aFileOfNeitherFormatIsRefused() throws IOException {
    Path file = Files.write(Files.createDirectories(dir.resolve("1")).resolve("model.pt"), new byte[] {1, 2, 3, 4, 5});
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(declared("junk").build(), file, OPTIONS));
    assertTrue(e.getMessage().contains("neither a TorchScript archive"), e.getMessage());
  }

  @Test
  void theBlockFactoryParameterMustMatchTheFileFormat() {
    Path torchScript = cloning();
    ModelConfig withFactory = declared("ts").parameter(ModelFiles.BLOCK_FACTORY, TestNets.CnnFactory.class.getName()).build();
    var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(withFactory, torchScript, OPTIONS));
    assertTrue(e.getMessage().contains("TorchScript archive") && e.getMessage().contains(ModelFiles.BLOCK_FACTORY),
        e.getMessage());

    Path params = TestNets.saveCnn(dir.resolve("repo"));
    ModelConfig noFactory = TestNets.cnnConfig(4, 1).toBuilder().parameters(java.util.Map.of()).build();
    e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(noFactory, params, OPTIONS));
    assertTrue(e.getMessage().contains("DJL parameters") && e.getMessage().contains(ModelFiles.BLOCK_FACTORY),
        e.getMessage());
  }

  @Test
  void aBadBlockFactoryIsNamed() {
    Path params = TestNets.saveCnn(dir.resolve("repo"));
    for (String[] c : new String[][] {
        {"com.example.NoSuchFactory", "not on the class path"},
        {String.class.getName(), "does not implement"}}) {
      ModelConfig config = TestNets.cnnConfig(4, 1).toBuilder().parameter(ModelFiles.BLOCK_FACTORY, c[0]).build();
      var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(config, params, OPTIONS));
      assertTrue(e.getMessage().contains(c[0]) && e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void aFactoryBuildingAnotherNetworkIsAnInvalidArgument() {
    Path params = TestNets.saveCnn(dir.resolve("repo"));
    ModelConfig config = TestNets.cnnConfig(4, 1).toBuilder()
        .parameter(ModelFiles.BLOCK_FACTORY, WrongFactory.class.getName()).build();
    var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.load(config, params, OPTIONS));
    assertTrue(e.getMessage().contains("PyTorch cannot load"), e.getMessage());
  }

  /** Builds a linear layer where the file holds a CNN. */
  public static final class WrongFactory implements BlockFactory {
    public WrongFactory() {}

    @Override
    public ai.djl.nn.Block newBlock(ModelConfig config) {
      return ai.djl.nn.core.Linear.builder().setUnits(3).build();
    }
  }

  @Test
  void unsupportedDatatypesAreRefusedAtLoadNamingTheTensor() {
    Path file = cloning();
    ModelConfig c = ModelConfig.builder("strings")
        .addInput(new TensorConfig("text", DataType.BYTES, new long[] {1}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {2}, false)).build();
    var e = assertThrows(HadronException.Unsupported.class, () -> backend.load(c, file, OPTIONS));
    assertTrue(e.getMessage().contains("input 'text'") && e.getMessage().contains("TYPE_STRING"), e.getMessage());
  }

  @Test
  void kindModelIsUnsupported() {
    Path file = cloning();
    ModelConfig c = declared("km").addInstanceGroup(new InstanceGroup("g", 1, InstanceGroup.Kind.KIND_MODEL, List.of())).build();
    assertThrows(HadronException.Unsupported.class, () -> backend.load(c, file, OPTIONS));
  }

  @Test
  void gpuInstancesWithoutGpusAreUnavailableWithTheReason() {
    Assumptions.assumeTrue(Torch.engine(OPTIONS).getGpuCount() == 0, "this engine has GPUs");
    Path file = cloning();
    ModelConfig c = declared("gpu").addInstanceGroup(new InstanceGroup("g", 1, InstanceGroup.Kind.KIND_GPU, List.of(1))).build();
    var e = assertThrows(HadronException.Unavailable.class, () -> backend.load(c, file, OPTIONS));
    assertTrue(e.getMessage().contains("'gpu'") && e.getMessage().contains("gpu1")
        && e.getMessage().contains("no GPU") && e.getMessage().contains("PYTORCH_LIBRARY_PATH"), e.getMessage());
  }

  @Test
  void cpuGroupsGiveOneInstanceEach() {
    Path file = cloning();
    ModelConfig c = declared("cpu")
        .addInstanceGroup(InstanceGroup.cpu(2))
        .addInstanceGroup(new InstanceGroup("auto", 1, InstanceGroup.Kind.KIND_AUTO, List.of())).build();
    try (LoadedModel m = backend.load(c, file, OPTIONS)) {
      assertEquals(3, m.instances().size());
      m.instances().forEach(i -> assertEquals("cpu", i.device()));
      assertEquals(c, m.config());
    }
  }

  @Test
  void anUnloadedModelRefusesWork() {
    Path file = cloning();
    LoadedModel m = backend.load(declared("closed").build(), file, OPTIONS);
    var instance = m.instances().getFirst();
    m.close();
    m.close(); // idempotent
    var e = assertThrows(HadronException.Unavailable.class, () -> instance.execute(
        List.of(new io.hadron.core.Tensor("INPUT__0", DataType.FP32, new long[] {2}, java.nio.ByteBuffer.allocateDirect(8))),
        List.of("OUTPUT__0")));
    assertTrue(e.getMessage().contains("unloaded"), e.getMessage());
  }

  @Test
  void nativesComeFromTheClassPathIntoTheConfiguredCacheFolderOffline() throws IOException {
    Engine engine = Torch.engine(OPTIONS);
    assertEquals("true", System.getProperty("ai.djl.offline"));
    Path cache = Torch.cacheDir();
    assertEquals(cache.toString(), System.getProperty("ENGINE_CACHE_DIR"));
    assertTrue(Torch.checkNatives().startsWith("the class path"), Torch.checkNatives());
    try (var s = Files.walk(cache.resolve("pytorch"))) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().equals(System.mapLibraryName("torch"))),
          "libtorch is not unpacked under " + cache);
    }
    assertTrue(engine.getVersion().startsWith("2.7.1"), engine.getVersion());
  }

  @Test
  void settingsThatWouldMakeDjlDownloadAreRefusedInstead() {
    for (String[] c : new String[][] {{"PYTORCH_VERSION", "2.5.1"}, {"PYTORCH_FLAVOR", "cu124"}}) {
      Assumptions.assumeTrue(System.getenv(c[0]) == null, c[0] + " is set in the environment");
      System.setProperty(c[0], c[1]);
      try {
        var e = assertThrows(HadronException.Unavailable.class, Torch::checkNatives);
        assertTrue(e.getMessage().contains(c[0] + "=" + c[1]) && e.getMessage().contains("download"), e.getMessage());
      } finally {
        System.clearProperty(c[0]);
      }
    }
  }
}
