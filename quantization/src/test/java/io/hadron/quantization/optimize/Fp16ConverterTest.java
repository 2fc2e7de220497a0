package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.GraphBuilder;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Fp16ConverterTest {
  @Test
  void weightsBecomeHalfAndTheInterfaceStaysFloat() throws Exception {
    ModelProto model = TestModels.mlp(4);
    ModelProto half = Fp16Converter.convert(model, Fp16Options.defaults()).model();
    assertEquals(TensorProto.DataType.FLOAT_VALUE,
        half.getGraph().getInput(0).getType().getTensorType().getElemType());
    assertEquals(TensorProto.DataType.FLOAT_VALUE,
        half.getGraph().getOutput(0).getType().getTensorType().getElemType());
    assertTrue(half.getGraph().getInitializerList().stream()
        .allMatch(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE));
    float[] x = TestModels.random(new Random(1), 3 * 16, 1);
    float[] expected = TestModels.runFloat(model, x, 3, 16);
    float[] actual = TestModels.runFloat(half, x, 3, 16);
    assertTrue(TestModels.maxAbsDiff(expected, actual) < 5e-3 * Math.max(1, TestModels.maxAbs(expected)));
  }

  @Test
  void valuesAreClampedIntoTheHalfRange() throws Exception {
    // Y = X * big + tiny, with big past float16's maximum and tiny below its smallest subnormal.
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, 1, 2)
        .initializer(TestModels.floats("big", new long[] {2}, new float[] {1e6f, -3.4e38f}))
        .initializer(TestModels.floats("tiny", new long[] {2}, new float[] {1e-12f, 0f}))
        .node("Mul", List.of("X", "big"), List.of("m"))
        .node("Add", List.of("m", "tiny"), List.of("Y"))
        .output("Y", DataType.FP32, 1, 2).build();
    Transformed t = Fp16Converter.convert(model, Fp16Options.defaults());
    assertTrue(t.summary().contains("3 values clamped"), t.summary());
    short[] big = halves(TestModels.initializer(t.model(), "big_fp16"));
    assertEquals(65504f, Float.float16ToFloat(big[0]));
    assertEquals(-65504f, Float.float16ToFloat(big[1]));
    short[] tiny = halves(TestModels.initializer(t.model(), "tiny_fp16"));
    assertEquals(0x1p-24f, Float.float16ToFloat(tiny[0]));
    assertEquals(0f, Float.float16ToFloat(tiny[1]));
    float[] y = TestModels.runFloat(t.model(), new float[] {0f, 0f}, 1, 2);
    assertEquals(0x1p-24f, y[0], 0f);
  }

  @Test
  void blockedOpsStayFloatWithCastsAround() throws Exception {
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, 1, 4)
        .initializer(TestModels.floats("w", new long[] {4}, new float[] {1, 2, 3, 4}))
        .node("Mul", List.of("X", "w"), List.of("a"))
        .node("Softmax", List.of("a"), List.of("b"))
        .node("Relu", List.of("b"), List.of("Y"))
        .output("Y", DataType.FP32, 1, 4).build();
    ModelProto half = Fp16Converter.convert(model,
        Fp16Options.defaults().withMoreBlockedOps(List.of("Softmax"))).model();
    NodeProto softmax = half.getGraph().getNodeList().stream()
        .filter(n -> n.getOpType().equals("Softmax")).findFirst().orElseThrow();
    NodeProto producer = half.getGraph().getNodeList().stream()
        .filter(n -> n.getOutputList().contains(softmax.getInput(0))).findFirst().orElseThrow();
    assertEquals("Cast", producer.getOpType());
    assertEquals(TensorProto.DataType.FLOAT_VALUE, producer.getAttribute(0).getI());
    float[] y = TestModels.runFloat(half, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1, 4);
    float[] e = TestModels.runFloat(model, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1, 4);
    assertTrue(TestModels.maxAbsDiff(e, y) < 1e-3);
  }

  @Test
  void halfInterfaceWhenAsked() {
    ModelProto half = Fp16Converter.convert(TestModels.mlp(4),
        Fp16Options.defaults().withKeepIoTypes(false)).model();
    assertEquals(TensorProto.DataType.FLOAT16_VALUE,
        half.getGraph().getInput(0).getType().getTensorType().getElemType());
    assertEquals(TensorProto.DataType.FLOAT16_VALUE,
        half.getGraph().getOutput(0).getType().getTensorType().getElemType());
  }

  @Test
  void controlFlowIsRefusedNamingTheNode() {
    ModelProto body = GraphBuilder.named("body").irVersion(8).opset("", 13)
        .input("c", DataType.FP32, 1).node("Identity", List.of("c"), List.of("o"))
        .output("o", DataType.FP32, 1).build();
    ModelProto model = GraphBuilder.named("m").irVersion(8).opset("", 13)
        .input("cond", DataType.BOOL, 1).input("c", DataType.FP32, 1)
        .node(NodeProto.newBuilder().setName("branch").setOpType("If").addInput("cond")
            .addOutput("Y")
            .addAttribute(io.hadron.quantization.onnx.proto.AttributeProto.newBuilder()
                .setName("then_branch").setType(io.hadron.quantization.onnx.proto.AttributeProto
                    .AttributeType.GRAPH).setG(body.getGraph()))
            .build())
        .output("Y", DataType.FP32, 1).build();
    var e = assertThrows(HadronException.Unsupported.class,
        () -> Fp16Converter.convert(model, Fp16Options.defaults()));
    assertTrue(e.getMessage().contains("'branch'"), e.getMessage());
  }

  private static short[] halves(TensorProto t) {
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    short[] s = new short[b.remaining() / 2];
    b.asShortBuffer().get(s);
    return s;
  }
}
