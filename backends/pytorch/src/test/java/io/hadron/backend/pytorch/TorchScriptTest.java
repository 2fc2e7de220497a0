package io.hadron.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** TorchScript archives (written by {@link TorchScriptArchives}) through the backend. */
class TorchScriptTest {
  private static final BackendOptions OPTIONS = BackendOptions.DEFAULT;

  private final PyTorchBackend backend = new PyTorchBackend();

  @TempDir Path dir;

  private LoadedModel load(ModelConfig config, Path file) {
    return backend.load(backend.complete(config, file, OPTIONS), file, OPTIONS);
  }

  private static ByteBuffer randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return ByteBuffer.allocateDirect(n).order(ByteOrder.LITTLE_ENDIAN).put(b).flip();
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"BOOL", "UINT8", "INT8", "INT32", "INT64", "FP16", "FP32", "FP64"})
  void everySupportedDatatypeRoundTripsBitForBit(DataType type) {
    Path file = TorchScriptArchives.cloning(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("clone_" + type).maxBatchSize(8)
        .addInput(new TensorConfig("INPUT__0", type, new long[] {3, 5}, false))
        .addOutput(new TensorConfig("OUTPUT__0", type, new long[] {3, 5}, false)).build();
    try (LoadedModel m = load(c, file)) {
      int n = 2 * 3 * 5;
      ByteBuffer data = randomBytes(n * type.byteSize(), type.ordinal());
      if (type == DataType.BOOL) {
        for (int i = 0; i < n; i++) {
          data.put(i, (byte) (data.get(i) & 1)); // torch.bool holds 0 or 1
        }
      }
      Tensor out = m.instances().getFirst()
          .execute(List.of(new Tensor("INPUT__0", type, new long[] {2, 3, 5}, data)), List.of("OUTPUT__0"))
          .getFirst();
      assertEquals(type, out.datatype());
      assertArrayEquals(new long[] {2, 3, 5}, out.shape());
      assertEquals(data.rewind(), out.data(), type + " bytes changed on the way");
    }
  }

  @Test
  void outputsAreFreshBuffersEvenWhenTheModelReturnsItsInput() {
    Path file = TorchScriptArchives.identity(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("identity")
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {4}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {4}, false)).build();
    try (LoadedModel m = load(c, file)) {
      ByteBuffer in = TestNets.direct(new float[] {1, 2, 3, 4});
      Tensor out = m.instances().getFirst()
          .execute(List.of(new Tensor("INPUT__0", DataType.FP32, new long[] {4}, in)), List.of("OUTPUT__0"))
          .getFirst();
      in.asFloatBuffer().put(new float[] {9, 9, 9, 9}); // the caller reuses its buffer
      assertArrayEquals(new float[] {1, 2, 3, 4}, TestNets.floats(out.data()));
      assertTrue(out.data().isDirect());
    }
  }

  @Test
  void indexedNamesGivePositionsWhateverTheConfigurationOrder() {
    Path file = TorchScriptArchives.twoInTwoOut(dir.resolve("1/model.pt"));
    // forward(x, y) = (relu(x + y), 2x); the configuration lists everything out of order.
    ModelConfig c = ModelConfig.builder("two")
        .addInput(new TensorConfig("INPUT__1", DataType.FP32, new long[] {3}, false))
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {3}, false))
        .addOutput(new TensorConfig("OUTPUT__1", DataType.FP32, new long[] {3}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {3}, false)).build();
    try (LoadedModel m = load(c, file)) {
      Tensor x = new Tensor("INPUT__0", DataType.FP32, new long[] {3}, TestNets.direct(new float[] {-1, 2, 3}));
      Tensor y = new Tensor("INPUT__1", DataType.FP32, new long[] {3}, TestNets.direct(new float[] {0, 1, -5}));
      List<Tensor> out = m.instances().getFirst().execute(List.of(y, x), List.of("OUTPUT__1", "OUTPUT__0"));
      assertEquals("OUTPUT__1", out.get(0).name());
      assertArrayEquals(new float[] {-2, 4, 6}, TestNets.floats(out.get(0).data()));
      assertArrayEquals(new float[] {0, 3, 0}, TestNets.floats(out.get(1).data()));
      // A subset of the outputs, in the order asked.
      assertArrayEquals(new float[] {0, 3, 0}, TestNets.floats(
          m.instances().getFirst().execute(List.of(x, y), List.of("OUTPUT__0")).getFirst().data()));
    }
  }

  @Test
  void withoutIndexedNamesTheConfigurationOrderHolds() {
    Path file = TorchScriptArchives.twoInTwoOut(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("named")
        .addInput(new TensorConfig("x", DataType.FP32, new long[] {1}, false))
        .addInput(new TensorConfig("y", DataType.FP32, new long[] {1}, false))
        .addOutput(new TensorConfig("sum_relu", DataType.FP32, new long[] {1}, false))
        .addOutput(new TensorConfig("double", DataType.FP32, new long[] {1}, false)).build();
    try (LoadedModel m = load(c, file)) {
      List<Tensor> out = m.instances().getFirst().execute(
          List.of(new Tensor("x", DataType.FP32, new long[] {1}, TestNets.direct(new float[] {5})),
              new Tensor("y", DataType.FP32, new long[] {1}, TestNets.direct(new float[] {-7}))),
          List.of("sum_relu", "double"));
      assertArrayEquals(new float[] {0}, TestNets.floats(out.get(0).data()));
      assertArrayEquals(new float[] {10}, TestNets.floats(out.get(1).data()));
    }
  }

  @Test
  void anOutputThatDoesNotMatchItsDeclarationIsAnInternalError() {
    Path file = TorchScriptArchives.cloning(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("liar").maxBatchSize(4)
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {-1}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {5}, false)).build();
    try (LoadedModel m = load(c, file)) {
      Tensor in = new Tensor("INPUT__0", DataType.FP32, new long[] {2, 3}, TestNets.direct(new float[6]));
      var e = assertThrows(HadronException.Internal.class,
          () -> m.instances().getFirst().execute(List.of(in), List.of("OUTPUT__0")));
      assertTrue(e.getMessage().contains("'OUTPUT__0'") && e.getMessage().contains("[2,3]")
          && e.getMessage().contains("[2,5]"), e.getMessage());
    }
  }

  @Test
  void aTensorOfTheWrongDatatypeOrNameIsRefusedBeforeTheEngine() {
    Path file = TorchScriptArchives.cloning(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("typed")
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {2}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {2}, false)).build();
    try (LoadedModel m = load(c, file)) {
      ModelInstance i = m.instances().getFirst();
      Tensor ints = new Tensor("INPUT__0", DataType.INT32, new long[] {2}, ByteBuffer.allocateDirect(8));
      var e = assertThrows(HadronException.InvalidArgument.class, () -> i.execute(List.of(ints), List.of("OUTPUT__0")));
      assertTrue(e.getMessage().contains("INT32") && e.getMessage().contains("FP32"), e.getMessage());
      Tensor ok = new Tensor("INPUT__0", DataType.FP32, new long[] {2}, ByteBuffer.allocateDirect(8));
      e = assertThrows(HadronException.InvalidArgument.class, () -> i.execute(List.of(ok), List.of("nope")));
      assertTrue(e.getMessage().contains("unknown output 'nope'"), e.getMessage());
      e = assertThrows(HadronException.InvalidArgument.class, () -> i.execute(List.of(), List.of("OUTPUT__0")));
      assertTrue(e.getMessage().contains("'INPUT__0' is required"), e.getMessage());
    }
  }

  @Test
  void anEngineFailureDuringARunIsAnInternalErrorAndTheInstanceKeepsWorking() {
    Path file = TorchScriptArchives.twoInTwoOut(dir.resolve("1/model.pt"));
    ModelConfig c = ModelConfig.builder("broadcast")
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {-1}, false))
        .addInput(new TensorConfig("INPUT__1", DataType.FP32, new long[] {-1}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {-1}, false)).build();
    try (LoadedModel m = load(c, file)) {
      ModelInstance i = m.instances().getFirst();
      Tensor x = new Tensor("INPUT__0", DataType.FP32, new long[] {3}, TestNets.direct(new float[3]));
      Tensor y = new Tensor("INPUT__1", DataType.FP32, new long[] {2}, TestNets.direct(new float[2]));
      var e = assertThrows(HadronException.Internal.class, () -> i.execute(List.of(x, y), List.of("OUTPUT__0")));
      assertTrue(e.getMessage().contains("PyTorch failed"), e.getMessage());
      Tensor y3 = new Tensor("INPUT__1", DataType.FP32, new long[] {3}, TestNets.direct(new float[] {1, 1, 1}));
      assertArrayEquals(new float[] {1, 1, 1},
          TestNets.floats(i.execute(List.of(x, y3), List.of("OUTPUT__0")).getFirst().data()));
    }
  }

  @Test
  void brokenTorchScriptIsAnInvalidArgumentNamingTheFile() {
    Path file = TorchScriptArchives.write(dir.resolve("1/model.pt"), "x: Tensor) -> Tensor",
        "    return torch.no_such_operator(x)\n");
    ModelConfig c = ModelConfig.builder("broken")
        .addInput(new TensorConfig("INPUT__0", DataType.FP32, new long[] {2}, false))
        .addOutput(new TensorConfig("OUTPUT__0", DataType.FP32, new long[] {2}, false)).build();
    var e = assertThrows(HadronException.InvalidArgument.class, () -> load(c, file));
    assertTrue(e.getMessage().contains("'broken'") && e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(Files.exists(file));
  }
}
