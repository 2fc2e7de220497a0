package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OnnxGraphTest {
  private static ModelProto chain() {
    return GraphBuilder.named("g").irVersion(8).opset("", 13)
        .input("X", DataType.FP32, "n", 4)
        .node("Relu", List.of("X"), List.of("a"))
        .node("Neg", List.of("a"), List.of("b"))
        .node("Abs", List.of("b"), List.of("Y"))
        .output("Y", DataType.FP32, "n", 4).build();
  }

  /** The bundled real models come back byte for byte through an untouched graph view. */
  @ParameterizedTest
  @ValueSource(strings = {"/all-minilm-l6-v2-q.onnx", "/all-minilm-l6-v2.onnx"})
  void realModelsSurviveTheGraphViewByteForByte(String resource) throws IOException {
    byte[] bytes;
    try (InputStream in = OnnxGraphTest.class.getResourceAsStream(resource)) {
      bytes = in == null ? null : in.readAllBytes();
    }
    assumeTrue(bytes != null, resource + " is not on the test classpath");
    ModelProto model = OnnxModels.read(bytes);
    GraphProto again = OnnxGraph.of(model.getGraph()).toProto();
    assertTrue(java.util.Arrays.equals(bytes,
        OnnxModels.toBytes(model.toBuilder().setGraph(again).build())));
  }

  @Test
  void producersConsumersAndConstants() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    assertEquals("Neg", g.producer("b").orElseThrow().getOpType());
    assertEquals("Abs", g.consumers("b").get(0).getOpType());
    assertTrue(g.producer("X").isEmpty());
    assertEquals(1, g.nodes("Relu").size());
    assertTrue(g.isGraphInput("X") && g.isGraphOutput("Y"));
  }

  @Test
  void replacingASubgraphKeepsTheGraphValidAndOrdered() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    NodeProto relu = g.nodes("Relu").get(0);
    NodeProto neg = g.nodes("Neg").get(0);
    g.replace(List.of(relu, neg), List.of(
        NodeProto.newBuilder().setName("sig").setOpType("Sigmoid").addInput("X").addOutput("s").build(),
        NodeProto.newBuilder().setName("b").setOpType("Neg").addInput("s").addOutput("b").build()));
    GraphProto out = g.toProto();
    assertEquals(List.of("Sigmoid", "Neg", "Abs"),
        out.getNodeList().stream().map(NodeProto::getOpType).toList());
  }

  @Test
  void replacementMustStillProduceWhatOthersRead() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    NodeProto neg = g.nodes("Neg").get(0);
    var e = assertThrows(IllegalArgumentException.class, () -> g.replaceNode(neg, List.of(
        NodeProto.newBuilder().setName("x").setOpType("Neg").addInput("a").addOutput("c").build())));
    assertTrue(e.getMessage().contains("'b'"), e.getMessage());
  }

  @Test
  void danglingInputsAndCyclesAreCaughtAtToProto() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    g.addNode(NodeProto.newBuilder().setName("z").setOpType("Relu").addInput("nowhere")
        .addOutput("z").build());
    var e = assertThrows(HadronException.InvalidArgument.class, g::toProto);
    assertTrue(e.getMessage().contains("'nowhere'"), e.getMessage());

    OnnxGraph c = OnnxGraph.of(chain().getGraph());
    NodeProto relu = c.nodes("Relu").get(0);
    c.replaceNode(relu, List.of(relu.toBuilder().setInput(0, "b").build()));
    assertThrows(HadronException.InvalidArgument.class, c::toProto);
  }

  @Test
  void initializersFreshNamesAndUnusedRemoval() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    g.addInitializer(OnnxTensors.ofFloats("w", new long[] {1}, new float[] {1f}));
    assertThrows(IllegalArgumentException.class,
        () -> g.addInitializer(OnnxTensors.ofFloats("a", new long[] {1}, new float[] {1f})));
    String n1 = g.freshName("a");
    String n2 = g.freshName("a");
    assertNotEquals("a", n1);
    assertNotEquals(n1, n2);
    g.addNode(NodeProto.newBuilder().setName("dead").setOpType("Relu").addInput("w")
        .addOutput("dead_out").build());
    assertEquals(2, g.removeUnused()); // the dead node, then the initializer only it read
    assertTrue(g.initializer("w").isEmpty());
    assertEquals(3, g.toProto().getNodeCount());
  }

  @Test
  void rewireChangesOnlyTheChosenReaders() {
    OnnxGraph g = OnnxGraph.of(chain().getGraph());
    assertEquals(1, g.rewire("a", "X", n -> n.getOpType().equals("Neg")));
    assertEquals("X", g.nodes("Neg").get(0).getInput(0));
    assertEquals(1, g.removeUnused()); // Relu no longer read
  }
}
