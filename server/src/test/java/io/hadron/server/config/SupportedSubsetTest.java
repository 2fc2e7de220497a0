package io.hadron.server.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.hadron.core.HadronException;
import io.hadron.server.config.proto.TritonConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The invariant behind the subset: no field of the schema can be set without Hadron either acting
 * on it or refusing it by name. Each field of each message Hadron reads is set to a non-default
 * value in an otherwise valid file; the file must load when the field is supported and must be
 * refused, naming the field, when it is not.
 */
class SupportedSubsetTest {
  private static final Path FILE = Path.of("models", "m", "config.pbtxt");

  private static TritonConfig.ModelInput.Builder input() {
    return TritonConfig.ModelInput.newBuilder().setName("x").setDataType(TritonConfig.DataType.TYPE_FP32).addDims(1);
  }

  private static TritonConfig.ModelOutput.Builder output() {
    return TritonConfig.ModelOutput.newBuilder().setName("y").setDataType(TritonConfig.DataType.TYPE_FP32).addDims(1);
  }

  private static TritonConfig.ModelConfig.Builder config() {
    return TritonConfig.ModelConfig.newBuilder().setMaxBatchSize(4);
  }

  @TestFactory
  Stream<DynamicTest> everyUnsupportedFieldIsRefusedByName() {
    List<DynamicTest> tests = new ArrayList<>();
    addCases(tests, TritonConfig.ModelConfig.getDescriptor(), f -> withField(config(), f));
    addCases(tests, TritonConfig.ModelInput.getDescriptor(), f -> config().addInput(withField(input(), f)));
    addCases(tests, TritonConfig.ModelOutput.getDescriptor(), f -> config().addOutput(withField(output(), f)));
    addCases(tests, TritonConfig.ModelInstanceGroup.getDescriptor(),
        f -> config().addInstanceGroup(withField(TritonConfig.ModelInstanceGroup.newBuilder(), f)));
    return tests.stream();
  }

  /** One test per unsupported field of {@code message}; {@code fileSetting} builds a file setting it. */
  private static void addCases(
      List<DynamicTest> tests, Descriptor message, Function<FieldDescriptor, Message.Builder> fileSetting) {
    assertTrue(message.getFields().stream().anyMatch(SupportedSubset::isSupported),
        message.getFullName() + " is read by Hadron, so some of its fields must be supported");
    for (FieldDescriptor f : message.getFields()) {
      if (SupportedSubset.isSupported(f)) {
        continue;
      }
      tests.add(DynamicTest.dynamicTest(f.getFullName(), () -> {
        String text = TextFormat.printer().printToString(fileSetting.apply(f).build());
        HadronException.InvalidArgument e = assertThrows(HadronException.InvalidArgument.class,
            () -> ModelConfigParser.parse(text, FILE, "m"), text);
        assertTrue(e.getMessage().startsWith(FILE + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("field '" + f.getName() + "' is not supported by Hadron"), e.getMessage());
      }));
    }
  }

  /** Sets {@code f} to some value other than its default. */
  private static <B extends Message.Builder> B withField(B b, FieldDescriptor f) {
    Object value = switch (f.getJavaType()) {
      case MESSAGE -> b.newBuilderForField(f).build();
      case STRING -> "set";
      case BOOLEAN -> true;
      case INT -> 1;
      case LONG -> 1L;
      case FLOAT -> 1f;
      case DOUBLE -> 1d;
      case ENUM -> f.getEnumType().getValues().get(f.getEnumType().getValues().size() - 1);
      case BYTE_STRING -> throw new AssertionError("no bytes fields in the schema: " + f);
    };
    if (f.isRepeated()) {
      b.addRepeatedField(f, value);
    } else {
      b.setField(f, value);
    }
    return b;
  }
}
