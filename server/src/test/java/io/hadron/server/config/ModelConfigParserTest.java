package io.hadron.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.config.VersionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configurations that load, and what they load as. */
class ModelConfigParserTest {
  private static final Path FILE = Path.of("models", "text_encoder", "config.pbtxt");

  private static ModelConfig parse(String text) {
    return ModelConfigParser.parse(text, FILE, "text_encoder");
  }

  @Test
  void realisticOnnxRuntimeConfigParsesToEveryField() {
    String text = """
        name: "text_encoder"
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        version_policy: { specific: { versions: [1, 3] } }
        input [
          {
            name: "input_ids"
            data_type: TYPE_INT64
            dims: [ -1 ]
          },
          {
            name: "attention_mask"
            data_type: TYPE_INT64
            dims: [ -1 ]
            optional: true
          }
        ]
        output [
          {
            name: "last_hidden_state"
            data_type: TYPE_FP32
            dims: [ -1, 384 ]
          },
          {
            name: "pooler_output"
            data_type: TYPE_FP32
            dims: [ 384 ]
          }
        ]
        instance_group [
          {
            count: 2
            kind: KIND_CPU
          }
        ]
        dynamic_batching {
          preferred_batch_size: [ 4, 8 ]
          max_queue_delay_microseconds: 100
          priority_levels: 2
          default_priority_level: 1
          default_queue_policy {
            timeout_action: DELAY
            default_timeout_microseconds: 50000
            allow_timeout_override: true
            max_queue_size: 64
          }
          priority_queue_policy {
            key: 1
            value {
              timeout_action: REJECT
              default_timeout_microseconds: 10000
              max_queue_size: 16
            }
          }
        }
        parameters {
          key: "intra_op_thread_count"
          value: { string_value: "2" }
        }
        """;

    ModelConfig expected = ModelConfig.builder("text_encoder")
        .platform("onnxruntime_onnx")
        .maxBatchSize(8)
        .versionPolicy(new VersionPolicy.Specific(Set.of(1L, 3L)))
        .addInput(new TensorConfig("input_ids", DataType.INT64, new long[] {-1}, false))
        .addInput(new TensorConfig("attention_mask", DataType.INT64, new long[] {-1}, true))
        .addOutput(new TensorConfig("last_hidden_state", DataType.FP32, new long[] {-1, 384}, false))
        .addOutput(new TensorConfig("pooler_output", DataType.FP32, new long[] {384}, false))
        .addInstanceGroup(new InstanceGroup("", 2, InstanceGroup.Kind.KIND_CPU, List.of()))
        .dynamicBatching(new DynamicBatching(List.of(4, 8), 100, false, 2, 1,
            new QueuePolicy(QueuePolicy.TimeoutAction.DELAY, 50_000, true, 64),
            Map.of(1, new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 10_000, false, 16))))
        .parameter("intra_op_thread_count", "2")
        .build();
    assertEquals(expected, parse(text));
  }

  @Test
  void tritonSimpleExampleParses() {
    // Triton's "simple" example model, as its repository ships it. Which platforms Hadron can
    // serve is the repository's decision, not the parser's.
    String text = """
        name: "simple"
        platform: "tensorflow_graphdef"
        max_batch_size: 8
        input [
          {
            name: "INPUT0"
            data_type: TYPE_INT32
            dims: [ 16 ]
          },
          {
            name: "INPUT1"
            data_type: TYPE_INT32
            dims: [ 16 ]
          }
        ]
        output [
          {
            name: "OUTPUT0"
            data_type: TYPE_INT32
            dims: [ 16 ]
          },
          {
            name: "OUTPUT1"
            data_type: TYPE_INT32
            dims: [ 16 ]
          }
        ]
        """;

    ModelConfig config = ModelConfigParser.parse(text, Path.of("models", "simple", "config.pbtxt"), "simple");

    assertEquals("simple", config.name());
    assertEquals(8, config.maxBatchSize());
    assertEquals(List.of("INPUT0", "INPUT1"), config.inputs().stream().map(TensorConfig::name).toList());
    for (TensorConfig t : config.inputs()) {
      assertEquals(DataType.INT32, t.datatype());
      assertEquals(List.of(16L), List.of(t.dims()[0]));
    }
    assertEquals(2, config.outputs().size());
    assertEquals(Optional.empty(), config.dynamicBatching());
    assertEquals(VersionPolicy.DEFAULT, config.versionPolicy());
    assertEquals(List.of(), config.instanceGroups());
  }

  @Test
  void emptyFileGivesAllDefaultsAndTheDirectoryName() {
    assertEquals(ModelConfig.builder("text_encoder").build(), parse(""));
    assertEquals(ModelConfig.builder("text_encoder").build(), parse("# nothing but a comment\n"));
  }

  @Test
  void nameInTheFileIsReturnedAsWrittenEvenIfItDiffersFromTheDirectory() {
    assertEquals("other", parse("name: \"other\"").name());
  }

  @Test
  void typeStringIsCoreBytesAndBf16IsKept() {
    ModelConfig config = parse("""
        input { name: "text" data_type: TYPE_STRING dims: [ 1 ] }
        output { name: "half" data_type: TYPE_BF16 dims: [ 4 ] }
        """);
    assertEquals(DataType.BYTES, config.inputs().get(0).datatype());
    assertEquals(DataType.BF16, config.outputs().get(0).datatype());
  }

  @Test
  void instanceGroupCountDefaultsToOneAndGpusAreKept() {
    ModelConfig config = parse("""
        instance_group { kind: KIND_GPU gpus: [ 0, 2 ] }
        instance_group { name: "spare" }
        """);
    assertEquals(new InstanceGroup("", 1, InstanceGroup.Kind.KIND_GPU, List.of(0, 2)), config.instanceGroups().get(0));
    // Triton's default kind when none is written.
    assertEquals(new InstanceGroup("spare", 1, InstanceGroup.Kind.KIND_AUTO, List.of()),
        config.instanceGroups().get(1));
  }

  @Test
  void versionPoliciesMapToCore() {
    assertEquals(new VersionPolicy.Latest(3), parse("version_policy { latest { num_versions: 3 } }").versionPolicy());
    assertEquals(new VersionPolicy.All(), parse("version_policy { all { } }").versionPolicy());
    assertEquals(new VersionPolicy.Specific(Set.of(2L)),
        parse("version_policy { specific { versions: 2 } }").versionPolicy());
    assertEquals(new VersionPolicy.Latest(1), parse("max_batch_size: 0").versionPolicy());
  }

  @Test
  void emptyDynamicBatchingBlockTurnsBatchingOnWithDefaults() {
    assertEquals(Optional.of(DynamicBatching.DEFAULT),
        parse("max_batch_size: 4\ndynamic_batching { }").dynamicBatching());
  }

  @Test
  void unsupportedFieldsWrittenWithTheirDefaultValueChangeNothingAndLoad() {
    ModelConfig config = parse("""
        runtime: ""
        input {
          name: "x"
          data_type: TYPE_FP32
          format: FORMAT_NONE
          dims: [ 3 ]
          is_shape_tensor: false
          allow_ragged_batch: false
        }
        output { name: "y" data_type: TYPE_FP32 dims: [ 3 ] label_filename: "" }
        instance_group { kind: KIND_CPU passive: false }
        """);
    assertEquals(new TensorConfig("x", DataType.FP32, new long[] {3}, false), config.inputs().get(0));
  }

  @Test
  void elementsWrittenOneByOneAndAsListsAreCollectedInOrder() {
    ModelConfig config = parse("""
        input { name: "a" data_type: TYPE_FP32 dims: [ 1 ] }
        input [ { name: "b" data_type: TYPE_FP32 dims: [ 1 ] }, { name: "c" data_type: TYPE_FP32 dims: [ 1 ] } ]
        """);
    assertEquals(List.of("a", "b", "c"), config.inputs().stream().map(TensorConfig::name).toList());
  }

  @Test
  void readsAFileFromDiskAndStripsAByteOrderMark(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.pbtxt");
    Files.writeString(file, "\uFEFFmax_batch_size: 2\n", StandardCharsets.UTF_8);
    ModelConfig config = ModelConfigParser.read(file, "from_dir");
    assertEquals("from_dir", config.name());
    assertEquals(2, config.maxBatchSize());
  }

  @Test
  void fileThatIsNotUtf8IsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.pbtxt");
    Files.write(file, new byte[] {'n', 'a', 'm', 'e', ':', ' ', '"', (byte) 0xC3, (byte) 0x28, '"'});
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> ModelConfigParser.read(file, "m"));
    assertTrue(e.getMessage().startsWith(file + ": not UTF-8"), e.getMessage());
  }
}
