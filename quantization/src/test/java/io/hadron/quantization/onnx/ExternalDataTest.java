package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.StringStringEntryProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalDataTest {
  @TempDir Path dir;

  private static ModelProto model() {
    float[] big = new float[3000];
    for (int i = 0; i < big.length; i++) {
      big[i] = i * 0.5f;
    }
    return GraphBuilder.named("g").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, 3000)
        .initializer(OnnxTensors.toTensor(OnnxTensors.ofFloats("big", new long[] {3000}, big)))
        .initializer(OnnxTensors.toTensor(OnnxTensors.ofFloats("small", new long[] {1}, new float[] {2f})))
        .node("Add", List.of("X", "big"), List.of("a"))
        .node("Mul", List.of("a", "small"), List.of("Y"))
        .output("Y", DataType.FP32, 3000).build();
  }

  @Test
  void largeTensorsMoveOutAndComeBackIdentical() throws Exception {
    ModelProto m = model();
    Path file = dir.resolve("m.onnx");
    Path data = OnnxModels.writeWithExternalData(m, file, 1024);
    assertEquals(dir.resolve("m.onnx.data"), data);
    ModelProto slim = OnnxModels.read(file);
    assertTrue(OnnxModels.hasExternalData(slim));
    TensorProto big = slim.getGraph().getInitializer(0);
    assertTrue(OnnxTensors.isExternal(big) && !big.hasRawData());
    assertFalse(OnnxTensors.isExternal(slim.getGraph().getInitializer(1)), "under the threshold");
    assertTrue(Files.size(file) < 1000);
    assertEquals(m, OnnxModels.readWithExternalData(file));
  }

  @Test
  void onnxRuntimeLoadsTheExternalForm() throws Exception {
    Path file = dir.resolve("m.onnx");
    OnnxModels.writeWithExternalData(model(), file, 1024);
    var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
    try (var s = env.createSession(file.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
        var x = ai.onnxruntime.OnnxTensor.createTensor(env, new float[3000]);
        var r = s.run(java.util.Map.of("X", x))) {
      float[] y = (float[]) r.get(0).getValue();
      assertEquals(2 * 0.5f * 2999, y[2999]);
    }
  }

  @Test
  void locationsOutsideTheModelDirectoryAreRefused() throws Exception {
    for (String location : List.of("../secret.bin", "/etc/hostname")) {
      ModelProto m = model();
      TensorProto t = m.getGraph().getInitializer(0).toBuilder().clearRawData()
          .setDataLocation(TensorProto.DataLocation.EXTERNAL)
          .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
          .build();
      ModelProto bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializer(0, t)).build();
      Path file = dir.resolve("bad.onnx");
      OnnxModels.write(bad, file);
      var e = assertThrows(HadronException.InvalidArgument.class,
          () -> OnnxModels.readWithExternalData(file));
      assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }
  }

  @Test
  void truncatedDataFilesAreReportedByTensor() throws Exception {
    Path file = dir.resolve("m.onnx");
    Path data = OnnxModels.writeWithExternalData(model(), file, 1024);
    byte[] bytes = Files.readAllBytes(data);
    Files.write(data, java.util.Arrays.copyOf(bytes, 100));
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> OnnxModels.readWithExternalData(file));
    assertTrue(e.getMessage().contains("'big'"), e.getMessage());
  }

  @Test
  void typedFieldsReadLikeRawData() {
    TensorProto typed = TensorProto.newBuilder().setName("t").setDataType(1).addDims(3)
        .addFloatData(1f).addFloatData(-2f).addFloatData(3.5f).build();
    float[] v = OnnxTensors.floats(typed);
    assertEquals(-2f, v[1]);
    assertEquals(3, OnnxTensors.floats(OnnxTensors.ofFloats("t", new long[] {3}, v)).length);
  }
}
