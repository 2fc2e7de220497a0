package io.hadron.backend.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.BackendOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxRuntimeCompleteTest {
  private static final BackendOptions OPTIONS = new BackendOptions(8, 0, 0);

  private final OnnxRuntimeBackend backend = new OnnxRuntimeBackend();

  @TempDir Path dir;

  @Test
  void simpleModelCompletesToTheDefaultMaxBatchSizeWithTheBatchDimensionLeftOut() {
    ModelConfig c = backend.complete(ModelConfig.builder("simple").build(), TestModels.simple(dir), OPTIONS);

    assertEquals(8, c.maxBatchSize());
    assertEquals("onnxruntime_onnx", c.platform());
    assertEquals("onnxruntime", c.backend());
    assertEquals(2, c.inputs().size());
    assertEquals(new TensorConfig("INPUT0", DataType.INT32, new long[] {16}, false), c.inputs().get(0));
    assertEquals(new TensorConfig("INPUT1", DataType.INT32, new long[] {16}, false), c.inputs().get(1));
    assertEquals(new TensorConfig("OUTPUT0", DataType.INT32, new long[] {16}, false), c.outputs().get(0));
    assertEquals(new TensorConfig("OUTPUT1", DataType.INT32, new long[] {16}, false), c.outputs().get(1));
  }

  @Test
  void aZeroDefaultMaxBatchSizeKeepsFullShapes() {
    ModelConfig c = backend.complete(
        ModelConfig.builder("simple").build(), TestModels.simple(dir), new BackendOptions(0, 0, 0));

    assertEquals(0, c.maxBatchSize());
    assertArrayEquals(new long[] {-1, 16}, c.inputs().get(0).dims());
  }

  @Test
  void declaredInputsAreCheckedAndMissingOutputsFilledWithFullShapes() {
    ModelConfig declared = ModelConfig.builder("simple")
        .addInput(new TensorConfig("INPUT0", DataType.INT32, new long[] {-1, 16}, false))
        .addInput(new TensorConfig("INPUT1", DataType.INT32, new long[] {4, 16}, false))
        .build();

    ModelConfig c = backend.complete(declared, TestModels.simple(dir), OPTIONS);

    assertEquals(0, c.maxBatchSize(), "a config that declares tensors is not auto-batched");
    assertEquals(declared.inputs(), c.inputs());
    assertArrayEquals(new long[] {-1, 16}, c.output("OUTPUT0").orElseThrow().dims());
  }

  @Test
  void aDeclaredMaxBatchSizeStripsTheBatchDimensionFromFilledTensors() {
    ModelConfig c = backend.complete(
        ModelConfig.builder("simple").maxBatchSize(2).platform("onnxruntime_onnx").build(),
        TestModels.simple(dir), OPTIONS);

    assertEquals(2, c.maxBatchSize());
    assertArrayEquals(new long[] {16}, c.inputs().get(0).dims());
  }

  @Test
  void aDeclaredInputTheModelDoesNotHaveIsAnErrorNamingIt() {
    ModelConfig declared = ModelConfig.builder("simple").maxBatchSize(4)
        .addInput(new TensorConfig("INPUT0", DataType.INT32, new long[] {16}, false))
        .addInput(new TensorConfig("INPUT1", DataType.INT32, new long[] {16}, false))
        .addInput(new TensorConfig("INPUT9", DataType.INT32, new long[] {16}, false))
        .build();

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(declared, TestModels.simple(dir), OPTIONS));
    assertTrue(e.getMessage().contains("'INPUT9'"), e.getMessage());
    assertTrue(e.getMessage().contains("[INPUT0, INPUT1]"), e.getMessage());
  }

  @Test
  void aModelInputLeftOutOfTheConfigurationIsAnError() {
    ModelConfig declared = ModelConfig.builder("simple").maxBatchSize(4)
        .addInput(new TensorConfig("INPUT0", DataType.INT32, new long[] {16}, false))
        .build();

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(declared, TestModels.simple(dir), OPTIONS));
    assertTrue(e.getMessage().contains("'INPUT1'") && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void aWrongDeclaredDatatypeIsAnErrorNamingBothTypes() {
    ModelConfig declared = ModelConfig.builder("simple").maxBatchSize(4)
        .addOutput(new TensorConfig("OUTPUT1", DataType.FP32, new long[] {16}, false))
        .build();

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(declared, TestModels.simple(dir), OPTIONS));
    assertTrue(e.getMessage().contains("'OUTPUT1'"), e.getMessage());
    assertTrue(e.getMessage().contains("TYPE_FP32") && e.getMessage().contains("TYPE_INT32"), e.getMessage());
  }

  @Test
  void declaredDimsThatContradictTheModelAreAnError() {
    ModelConfig declared = ModelConfig.builder("simple").maxBatchSize(4)
        .addOutput(new TensorConfig("OUTPUT0", DataType.INT32, new long[] {8}, false))
        .build();

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(declared, TestModels.simple(dir), OPTIONS));
    assertTrue(e.getMessage().contains("'OUTPUT0'") && e.getMessage().contains("[8]"), e.getMessage());
  }

  @Test
  void aDeclaredMaxBatchSizeNeedsADynamicFirstDimension() {
    Path file = TestModels.write(dir, "fixed", TestModels.fixedShapeIdentity());
    ModelConfig declared = ModelConfig.builder("fixed").maxBatchSize(4).build();

    var e = assertThrows(HadronException.InvalidArgument.class, () -> backend.complete(declared, file, OPTIONS));
    assertTrue(e.getMessage().contains("'INPUT'") && e.getMessage().contains("[2,3]"), e.getMessage());

    ModelConfig auto = backend.complete(ModelConfig.builder("fixed").build(), file, OPTIONS);
    assertEquals(0, auto.maxBatchSize(), "a fixed first dimension is never auto-batched");
    assertArrayEquals(new long[] {2, 3}, auto.inputs().getFirst().dims());
  }

  @Test
  void unsignedInputsTheJavaApiCannotFeedAreUnsupportedAtCompletion() {
    for (DataType t : new DataType[] {DataType.UINT16, DataType.UINT32, DataType.UINT64}) {
      Path file = TestModels.identity(dir, t);
      var e = assertThrows(HadronException.Unsupported.class,
          () -> backend.complete(ModelConfig.builder("u").build(), file, OPTIONS));
      assertTrue(e.getMessage().contains("'INPUT'") && e.getMessage().contains(t.wireName()), e.getMessage());
    }
  }

  @Test
  void aSequenceOutputIsUnsupportedUnlessTheConfigurationLeavesItOut() {
    Path file = TestModels.write(dir, "seq", TestModels.withSequenceOutput());

    var e = assertThrows(HadronException.Unsupported.class,
        () -> backend.complete(ModelConfig.builder("seq").build(), file, OPTIONS));
    assertTrue(e.getMessage().contains("'SEQ'") && e.getMessage().contains("sequence"), e.getMessage());

    ModelConfig onlyY = ModelConfig.builder("seq")
        .addOutput(new TensorConfig("Y", DataType.FP32, new long[] {-1, -1}, false))
        .build();
    ModelConfig c = backend.complete(onlyY, file, OPTIONS);
    assertEquals(1, c.outputs().size());
    assertEquals("X", c.inputs().getFirst().name());
  }

  @Test
  void aGarbageFileIsAnInvalidArgumentNamingTheFile() throws IOException {
    Path file = Files.write(dir.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(ModelConfig.builder("g").build(), file, OPTIONS));
    assertTrue(e.getMessage().contains("garbage.onnx") && e.getMessage().contains("'g'"), e.getMessage());
    assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("protobuf"), e.getMessage());
  }

  @Test
  void aMissingFileIsAnInvalidArgumentNamingTheFile() {
    Path file = dir.resolve("absent.onnx");

    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> backend.complete(ModelConfig.builder("a").build(), file, OPTIONS));
    assertTrue(e.getMessage().contains("absent.onnx"), e.getMessage());
  }

  @Test
  void aModelDirectoryNamedLikeTheModelFileIsOpenedInside() throws IOException {
    Path modelDir = Files.createDirectory(dir.resolve("model.onnx"));
    TestModels.write(modelDir, "model", TestModels.fixedShapeIdentity());

    ModelConfig c = backend.complete(ModelConfig.builder("d").build(), modelDir, OPTIONS);
    assertEquals("INPUT", c.inputs().getFirst().name());
  }

  @Test
  void miniLmCompletesWithItsThreeInt64Inputs() {
    ModelConfig c = backend.complete(ModelConfig.builder("minilm").build(), TestModels.miniLm(dir), OPTIONS);

    assertEquals(8, c.maxBatchSize());
    assertEquals(
        java.util.List.of("input_ids", "attention_mask", "token_type_ids"),
        c.inputs().stream().map(TensorConfig::name).toList());
    for (TensorConfig in : c.inputs()) {
      assertEquals(DataType.INT64, in.datatype());
      assertArrayEquals(new long[] {-1}, in.dims());
    }
    TensorConfig out = c.output("last_hidden_state").orElseThrow();
    assertEquals(DataType.FP32, out.datatype());
    assertArrayEquals(new long[] {-1, 384}, out.dims());
  }
}
