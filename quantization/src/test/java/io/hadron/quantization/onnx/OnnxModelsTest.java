package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OnnxModelsTest {
  @TempDir Path dir;

  static Stream<Arguments> generatedModels() {
    Stream<Arguments> simple = Stream.of(Arguments.of("simple", SimpleModels.tritonSimple()));
    Stream<Arguments> identities =
        Stream.of(DataType.values()).map(t -> Arguments.of("identity " + t, SimpleModels.identity(t)));
    return Stream.concat(simple, identities);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generatedModels")
  void generatedModelSurvivesParseAndSerializeByteForByte(String name, byte[] bytes) {
    assertArrayEquals(bytes, OnnxModels.toBytes(OnnxModels.read(bytes)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generatedModels")
  void generatedModelSurvivesWriteAndReadOfAFileByteForByte(String name, byte[] bytes)
      throws IOException {
    Path file = dir.resolve("model.onnx");
    OnnxModels.write(OnnxModels.read(bytes), file);
    assertArrayEquals(bytes, Files.readAllBytes(file));
    assertArrayEquals(bytes, OnnxModels.toBytes(OnnxModels.read(file)));
  }

  @Test
  void writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("model.onnx");
    Files.writeString(file, "old content");
    ModelProto model = OnnxModels.read(SimpleModels.tritonSimple());
    OnnxModels.write(model, file);
    assertEquals(model, OnnxModels.read(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count(), "only the model file remains");
    }
  }

  @Test
  void writtenFileGetsTheUsualPermissionsNotOwnerOnly() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Path reference = Files.writeString(dir.resolve("reference"), "x");
    Path file = dir.resolve("model.onnx");
    OnnxModels.write(OnnxModels.read(SimpleModels.tritonSimple()), file);
    assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(file));
  }

  @Test
  void randomBytesAreRejectedAsInvalidArgument() {
    byte[] garbage = new byte[4096];
    new Random(42).nextBytes(garbage);
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> OnnxModels.read(garbage));
    assertTrue(e.getMessage().contains("not a valid model file"), e.getMessage());
  }

  @Test
  void textThatHappensToParseAsProtobufIsStillRejected() {
    // "hi" is a well-formed protobuf message (field 13, varint 105) of unknown fields only.
    byte[] text = "hi".getBytes(StandardCharsets.US_ASCII);
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> OnnxModels.read(text));
    assertTrue(e.getMessage().contains("no ir_version"), e.getMessage());
  }

  @Test
  void emptyInputIsRejected() {
    assertThrows(HadronException.InvalidArgument.class, () -> OnnxModels.read(new byte[0]));
  }

  @Test
  void modelWithoutGraphIsRejected() {
    byte[] noGraph = ModelProto.newBuilder().setIrVersion(8).build().toByteArray();
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> OnnxModels.read(noGraph));
    assertTrue(e.getMessage().contains("no graph"), e.getMessage());
  }

  @Test
  void unparseableFileIsRejectedNamingTheFile() throws IOException {
    Path file = dir.resolve("broken.onnx");
    byte[] truncated = SimpleModels.tritonSimple();
    Files.write(file, Arrays.copyOf(truncated, truncated.length / 2));
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> OnnxModels.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void missingFileIsNotFoundNamingTheFile() {
    Path file = dir.resolve("absent.onnx");
    HadronException.NotFound e =
        assertThrows(HadronException.NotFound.class, () -> OnnxModels.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void fieldsOutsideTheSchemaAreKeptThroughARoundTrip() {
    // Field 99 with a varint: what a model from a future IR version could carry.
    byte[] known = SimpleModels.tritonSimple();
    byte[] withUnknown = Arrays.copyOf(known, known.length + 3);
    withUnknown[known.length] = (byte) 0x98; // tag (99 << 3 | 0) as varint: 0x98 0x06
    withUnknown[known.length + 1] = 0x06;
    withUnknown[known.length + 2] = 0x07;
    ModelProto model = OnnxModels.read(withUnknown);
    assertTrue(model.getUnknownFields().hasField(99));
    assertArrayEquals(withUnknown, OnnxModels.toBytes(model));
  }
}
