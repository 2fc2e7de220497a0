package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.onnx.proto.TensorShapeProto;
import io.hadron.quantization.onnx.proto.TypeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
  private static GraphBuilder base() {
    return GraphBuilder.named("g").irVersion(8).opset("", 13).input("X", DataType.FP32, "batch", 4);
  }

  @Test
  void stringDimensionsAreSymbolicAndNumbersAreFixed() {
    ModelProto model =
        base().node("Relu", List.of("X"), List.of("Y")).output("Y", DataType.FP32, "batch", 4L).build();
    TypeProto.Tensor input = model.getGraph().getInput(0).getType().getTensorType();
    assertEquals(TensorProto.DataType.FLOAT.getNumber(), input.getElemType());
    TensorShapeProto.Dimension batch = input.getShape().getDim(0);
    TensorShapeProto.Dimension four = input.getShape().getDim(1);
    assertEquals("batch", batch.getDimParam());
    assertEquals(TensorShapeProto.Dimension.ValueCase.DIM_VALUE, four.getValueCase());
    assertEquals(4, four.getDimValue());
  }

  @Test
  void modelCarriesIrVersionOpsetsAndProducer() {
    ModelProto model =
        base()
            .opset("com.microsoft", 1)
            .node("Relu", List.of("X"), List.of("Y"))
            .output("Y", DataType.FP32, "batch", 4)
            .build();
    assertEquals(8, model.getIrVersion());
    assertEquals("hadron", model.getProducerName());
    assertEquals(2, model.getOpsetImportCount());
    assertEquals("", model.getOpsetImport(0).getDomain());
    assertEquals(13, model.getOpsetImport(0).getVersion());
    assertEquals("com.microsoft", model.getOpsetImport(1).getDomain());
  }

  @Test
  void attributesCarryTheMatchingTypeDiscriminator() {
    GraphProto graph =
        base()
            .node(
                "Gemm",
                List.of("X", "W"),
                List.of("Y"),
                GraphBuilder.attr("alpha", 0.5f),
                GraphBuilder.attr("transB", 1L),
                GraphBuilder.attr("mode", "fast"),
                GraphBuilder.attrInts("perm", 1, 0),
                GraphBuilder.attrFloats("scales", 1f, 2f))
            .initializer(floats("W", new long[] {4, 4}, new float[16]))
            .output("Y", DataType.FP32, "batch", 4)
            .buildGraph();
    List<AttributeProto> attrs = graph.getNode(0).getAttributeList();
    assertEquals(AttributeProto.AttributeType.FLOAT, attrs.get(0).getType());
    assertEquals(0.5f, attrs.get(0).getF());
    assertEquals(AttributeProto.AttributeType.INT, attrs.get(1).getType());
    assertEquals(1, attrs.get(1).getI());
    assertEquals(AttributeProto.AttributeType.STRING, attrs.get(2).getType());
    assertEquals("fast", attrs.get(2).getS().toStringUtf8());
    assertEquals(AttributeProto.AttributeType.INTS, attrs.get(3).getType());
    assertEquals(List.of(1L, 0L), attrs.get(3).getIntsList());
    assertEquals(AttributeProto.AttributeType.FLOATS, attrs.get(4).getType());
  }

  @Test
  void initializerIsStoredAsLittleEndianRawData() {
    GraphProto graph =
        base()
            .initializer(floats("W", new long[] {2}, new float[] {1.0f, -2.0f}))
            .node("Mul", List.of("X", "W"), List.of("Y"))
            .output("Y", DataType.FP32, "batch", 4)
            .buildGraph();
    TensorProto w = graph.getInitializer(0);
    assertEquals("W", w.getName());
    assertEquals(List.of(2L), w.getDimsList());
    ByteBuffer raw = w.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1.0f, raw.getFloat(0));
    assertEquals(-2.0f, raw.getFloat(4));
    // Little-endian on the wire regardless of the platform: 1.0f is 00 00 80 3F.
    assertEquals(0x3F, w.getRawData().byteAt(3) & 0xFF);
  }

  @Test
  void nodeReadingAnUnknownValueIsRejectedAtBuild() {
    GraphBuilder b =
        base().node("Add", List.of("X", "Z"), List.of("Y")).output("Y", DataType.FP32, "batch", 4);
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("'Z'"), e.getMessage());
  }

  @Test
  void nodeReadingALaterNodesOutputIsRejected() {
    GraphBuilder b =
        base()
            .node("Relu", List.of("T"), List.of("Y"))
            .node("Relu", List.of("X"), List.of("T"))
            .output("Y", DataType.FP32, "batch", 4);
    assertThrows(IllegalStateException.class, b::build);
  }

  @Test
  void emptyInputNameMarksAnOmittedOptionalInput() {
    GraphBuilder b =
        base().node("Clip", List.of("X", "", ""), List.of("Y")).output("Y", DataType.FP32, "batch", 4);
    assertDoesNotThrow(b::build);
  }

  @Test
  void outputThatNothingProducesIsRejected() {
    GraphBuilder b = base().output("Y", DataType.FP32, "batch", 4);
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("'Y'"), e.getMessage());
  }

  @Test
  void nodeOfAnUnimportedDomainIsRejected() {
    GraphBuilder b =
        base()
            .node("com.example", "Custom", List.of("X"), List.of("Y"))
            .output("Y", DataType.FP32, "batch", 4);
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("com.example"), e.getMessage());
  }

  @Test
  void duplicateValueNamesAreRejectedWhenDeclared() {
    assertThrows(IllegalArgumentException.class, () -> base().input("X", DataType.FP32, 1));
    assertThrows(
        IllegalArgumentException.class, () -> base().node("Relu", List.of("X"), List.of("X")));
    assertThrows(IllegalArgumentException.class, () -> base().opset("", 14));
  }

  @Test
  void badDimensionsAreRejectedNamingTheValue() {
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> base().input("A", DataType.FP32, -1));
    assertTrue(negative.getMessage().contains("'A'"), negative.getMessage());
    assertThrows(IllegalArgumentException.class, () -> base().input("B", DataType.FP32, 1.5));
    assertThrows(IllegalArgumentException.class, () -> base().input("C", DataType.FP32, " "));
  }

  @Test
  void modelWithoutIrVersionOrOpsetIsRejected() {
    GraphBuilder noIr =
        GraphBuilder.named("g").opset("", 13).input("X", DataType.FP32, 1).output("X", DataType.FP32, 1);
    assertThrows(IllegalStateException.class, noIr::build);
    GraphBuilder noOpset =
        GraphBuilder.named("g").irVersion(8).input("X", DataType.FP32, 1).output("X", DataType.FP32, 1);
    assertThrows(IllegalStateException.class, noOpset::build);
  }

  private static Tensor floats(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return new Tensor(name, DataType.FP32, shape, b.flip());
  }
}
