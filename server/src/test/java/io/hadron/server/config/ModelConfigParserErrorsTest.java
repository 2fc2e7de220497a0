package io.hadron.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.HadronException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Configurations that must not load. Every message starts with the file, then the line and column
 * where known, and names the field; the assertions pin the position wherever one is promised.
 */
class ModelConfigParserErrorsTest {
  private static final Path FILE = Path.of("models", "m", "config.pbtxt");

  /** Parses, expects a refusal, checks it starts with {@code file + where} and contains each part. */
  private static String refused(String text, String where, String... parts) {
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> ModelConfigParser.parse(text, FILE, "m"));
    String message = e.getMessage();
    assertTrue(message.startsWith(FILE + where), "expected to start with '" + FILE + where + "': " + message);
    for (String part : parts) {
      assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
    }
    return message;
  }

  @Test
  void unknownFieldIsNamedWithItsMessageAndPosition() {
    refused("max_batch_size: 8\nmax_batch_sise: 8\n", ":2:1: ", "unknown field 'max_batch_sise' in ModelConfig");
  }

  @Test
  void everyUnknownFieldIsListedAtOnce() {
    String message = refused("""
        input {
          name: "x"
          dimz: [ 1 ]
        }
        flavour: "vanilla"
        """, ":3:3: ", "unknown field 'dimz' in ModelInput");
    assertTrue(message.contains("; also unknown field 'flavour' in ModelConfig (5:1)"), message);
  }

  @Test
  void unsupportedTritonFieldIsRefusedByNameAtItsPosition() {
    refused("""
        name: "m"
        optimization { execution_accelerators { gpu_execution_accelerator [ { name: "tensorrt" } ] } }
        """, ":2:1: ", "field 'optimization' is not supported by Hadron");
  }

  @Test
  void commonUnsupportedFieldsAreRefusedEvenWhenEmpty() {
    refused("sequence_batching { }", ":1:1: ", "field 'sequence_batching' is not supported",
        "stateful (sequence) models are not supported");
    refused("ensemble_scheduling { step [ { model_name: \"a\" } ] }", ":1:1: ", "field 'ensemble_scheduling'");
    refused("model_warmup [ { name: \"w\" batch_size: 1 } ]", ":1:1: ", "field 'model_warmup'");
    refused("response_cache { enable: true }", ":1:1: ", "field 'response_cache'");
    refused("model_transaction_policy { decoupled: true }", ":1:1: ", "field 'model_transaction_policy'");
    refused("default_model_filename: \"encoder.onnx\"", ":1:1: ", "field 'default_model_filename'",
        "model.onnx or model.pt");
  }

  @Test
  void labelFilenameIsRefusedNamingTheOutput() {
    refused("""
        output {
          name: "probabilities"
          data_type: TYPE_FP32
          dims: [ 1000 ]
          label_filename: "labels.txt"
        }
        """, ":5:3: ", "output 'probabilities': field 'label_filename' is not supported",
        "classification labels are not supported");
  }

  @Test
  void tritonDensenetExampleIsRefusedListingEveryUnsupportedSetting() {
    // Triton's densenet_onnx example: image format, reshapes and a label file, none of which
    // Hadron acts on. Its tensors are listed one per element of a list, so the inner positions of
    // the single-element lists are exact.
    String message = refused("""
        name: "densenet_onnx"
        platform: "onnxruntime_onnx"
        max_batch_size : 0
        input [
          {
            name: "data_0"
            data_type: TYPE_FP32
            format: FORMAT_NCHW
            dims: [ 3, 224, 224 ]
            reshape { shape: [ 1, 3, 224, 224 ] }
          }
        ]
        output [
          {
            name: "fc6_1"
            data_type: TYPE_FP32
            dims: [ 1000 ]
            reshape { shape: [ 1, 1000, 1, 1 ] }
            label_filename: "densenet_labels.txt"
          }
        ]
        """, ":8:5: ", "input 'data_0': field 'format' is not supported by Hadron");
    assertTrue(message.endsWith("; also not supported: input 'data_0'.reshape (10:5), output 'fc6_1'.reshape (18:5),"
        + " output 'fc6_1'.label_filename (19:5)"), message);
  }

  @Test
  void nonDefaultValueOfAnUnsupportedFlagIsRefused() {
    refused("input { name: \"shape\" data_type: TYPE_INT64 dims: [ 2 ] is_shape_tensor: true }", ":1:57: ",
        "input 'shape': field 'is_shape_tensor' is not supported");
  }

  @Test
  void unsupportedFieldInOneElementOfAListIsNamedByTensorAndPlacedAtTheList() {
    // The parser records one position for a whole list of several elements (see ConfigSite).
    refused("""
        input [
          { name: "a" data_type: TYPE_FP32 dims: [ 1 ] },
          { name: "b" data_type: TYPE_FP32 dims: [ 1 ] allow_ragged_batch: true }
        ]
        """, ":1:1: ", "input 'b': field 'allow_ragged_batch' is not supported");
  }

  @Test
  void badEnumValueIsNamedAtItsPosition() {
    refused("instance_group { kind: KIND_TPU }", ":1:24: ", "Enum type \"inference.ModelInstanceGroup.Kind\"",
        "KIND_TPU");
    refused("input { name: \"x\" data_type: FP32 dims: [1] }", ":1:30: ", "FP32");
  }

  @Test
  void enumNumberOutsideTheSchemaIsRefused() {
    refused("input { name: \"x\" data_type: 99 dims: [ 1 ] }", ":1:19: ",
        "input 'x': data_type 99 is not a Triton data type");
  }

  @Test
  void typeInvalidOrMissingDataTypeIsRefusedNamingTheTensor() {
    refused("input { name: \"x\" data_type: TYPE_INVALID dims: [ 1 ] }", ":1:19: ",
        "input 'x': data_type is missing or TYPE_INVALID");
    refused("input {\n  name: \"x\"\n  dims: [ 1 ]\n}", ":1:1: ", "input 'x': data_type is missing");
  }

  @Test
  void dimensionBelowMinusOneIsRefusedNamingTheTensorAndDims() {
    refused("output { name: \"y\" data_type: TYPE_FP32 dims: [ 4, -2 ] }", ":1:41: ",
        "output 'y'", "dims [4, -2]", ">= 0 or -1");
  }

  @Test
  void dimensionThatIsNotANumberIsASyntaxError() {
    refused("input { name: \"x\" data_type: TYPE_FP32 dims: [ 4, x ] }", ":1:51: ", "Couldn't parse integer");
  }

  @Test
  void unnamedTensorIsRefused() {
    refused("input { name: \"a\" data_type: TYPE_FP32 dims: [1] }\ninput { data_type: TYPE_FP32 dims: [1] }",
        ":2:1: ", "input[1]: name is missing");
  }

  @Test
  void malformedTextGivesLineAndColumn() {
    refused("""
        name: "m"
        max_batch_size: 8
        input [ { name: "a" data_type: TYPE_FP32 dims: [ 1 }
        """, ":3:52: ", "Expected");
    refused("name: \"m", ":1:7: ", "String missing ending quote");
  }

  @Test
  void fieldGivenTwiceIsRefusedInsteadOfTheLastWinning() {
    refused("max_batch_size: 4\nmax_batch_size: 8\n", ":2:15: ", "max_batch_size", "cannot be overwritten");
  }

  @Test
  void twoSchedulersAreRefused() {
    refused("max_batch_size: 4\ndynamic_batching { }\nsequence_batching { }\n", ":3:1: ",
        "sequence_batching", "dynamic_batching", "oneof");
  }

  @Test
  void preferredBatchSizeAboveMaxBatchSizeIsRefused() {
    refused("max_batch_size: 4\ndynamic_batching {\n  preferred_batch_size: [ 2, 8 ]\n}\n", ":3:3: ",
        "dynamic_batching: preferred_batch_size 8 exceeds max_batch_size 4");
  }

  @Test
  void preferredBatchSizeOnANonBatchingModelIsRefused() {
    refused("dynamic_batching { preferred_batch_size: 2 }", ":1:20: ", "max_batch_size is 0");
  }

  @Test
  void priorityValuesThatCoreRefusesCarryThePositionOfTheBlock() {
    refused("max_batch_size: 4\ndynamic_batching { priority_levels: 2 default_priority_level: 3 }", ":2:1: ",
        "dynamic_batching: default_priority_level 3 must be between 1 and priority_levels 2");
    refused("""
        max_batch_size: 4
        dynamic_batching {
          priority_levels: 2
          default_priority_level: 1
          priority_queue_policy { key: 3 value { max_queue_size: 1 } }
        }
        """, ":2:1: ", "priority_queue_policy level 3 is outside 1..2");
  }

  @Test
  void unsignedValueBeyondJavaRangeIsRefusedNotWrapped() {
    refused("max_batch_size: 4\ndynamic_batching { max_queue_delay_microseconds: 18446744073709551615 }", ":2:20: ",
        "max_queue_delay_microseconds 18446744073709551615 is out of range");
    refused("max_batch_size: 4\ndynamic_batching { default_queue_policy { max_queue_size: 4294967295 } }", ":2:43: ",
        "dynamic_batching.default_queue_policy: max_queue_size 4294967295 is out of range");
  }

  @Test
  void mapKeyGivenTwiceIsRefusedInsteadOfTheLastWinning() {
    refused("""
        parameters { key: "threads" value { string_value: "1" } }
        parameters { key: "threads" value { string_value: "2" } }
        """, ":2:1: ", "parameters['threads']: key given more than once");
    refused("""
        max_batch_size: 4
        dynamic_batching {
          priority_levels: 2
          default_priority_level: 1
          priority_queue_policy { key: 2 value { } }
          priority_queue_policy { key: 2 value { max_queue_size: 3 } }
        }
        """, ":6:3: ", "dynamic_batching.priority_queue_policy[2]: key given more than once");
  }

  @Test
  void explicitZeroInstanceCountIsRefused() {
    refused("instance_group {\n  kind: KIND_CPU\n  count: 0\n}", ":3:3: ",
        "instance_group[0]", "count must be >= 1, got 0");
  }

  @Test
  void gpusOnACpuGroupAreRefused() {
    refused("instance_group { name: \"g\" kind: KIND_CPU gpus: [ 0 ] }", ":1:43: ",
        "instance_group 'g': gpus [0] conflict with kind KIND_CPU");
  }

  @Test
  void emptyOrInvalidVersionPolicyIsRefused() {
    refused("version_policy { }", ":1:1: ", "version_policy is empty");
    refused("version_policy { latest { } }", ":1:1: ", "num_versions must be >= 1, got 0");
    refused("version_policy { specific { } }", ":1:1: ", "specific needs at least one version");
  }

  @Test
  void duplicateTensorNamesAreRefusedNamingTheFile() {
    String message = refused("""
        input { name: "a" data_type: TYPE_FP32 dims: [ 1 ] }
        input { name: "a" data_type: TYPE_FP32 dims: [ 2 ] }
        """, ": ", "duplicate input name 'a'");
    assertEquals(FILE + ": duplicate input name 'a'", message);
  }

  @Test
  void missingNameWithNoDefaultIsRefused() {
    HadronException.InvalidArgument e = assertThrows(HadronException.InvalidArgument.class,
        () -> ModelConfigParser.parse("", FILE, ""));
    assertEquals(FILE + ": name must not be empty", e.getMessage());
  }
}
