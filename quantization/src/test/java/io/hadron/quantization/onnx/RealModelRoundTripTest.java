package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model exported by real tooling (quantized all-MiniLM-L6-v2, from the test classpath) must read
 * and write back byte for byte, with every field named by our schema.
 */
class RealModelRoundTripTest {
  private static final String RESOURCE = "/all-minilm-l6-v2-q.onnx";
  private static byte[] original;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = RealModelRoundTripTest.class.getResourceAsStream(RESOURCE)) {
      original = in == null ? null : in.readAllBytes();
    }
  }

  @Test
  void realModelSurvivesParseAndSerializeByteForByte() {
    assumeTrue(original != null, RESOURCE + " is not on the test classpath");
    assertArrayEquals(original, OnnxModels.toBytes(OnnxModels.read(original)));
  }

  @Test
  void realModelSurvivesFileWriteAndReadByteForByte(@TempDir Path dir) throws IOException {
    assumeTrue(original != null, RESOURCE + " is not on the test classpath");
    Path in = dir.resolve("in.onnx");
    Files.write(in, original);
    Path out = dir.resolve("out.onnx");
    OnnxModels.write(OnnxModels.read(in), out);
    assertArrayEquals(original, Files.readAllBytes(out));
  }

  @Test
  void schemaNamesEveryFieldOfTheRealModel() {
    assumeTrue(original != null, RESOURCE + " is not on the test classpath");
    ModelProto model = OnnxModels.read(original);
    List<String> unknown = new ArrayList<>();
    collectUnknownFields(model, "model", unknown);
    assertTrue(unknown.isEmpty(), "fields our schema does not name: " + unknown);
    assertTrue(model.getGraph().getNodeCount() > 0);
  }

  private static void collectUnknownFields(Message m, String path, List<String> out) {
    if (m.getUnknownFields().asMap().size() > 0) {
      out.add(path + " " + m.getUnknownFields().asMap().keySet());
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        List<?> items = (List<?>) e.getValue();
        for (int i = 0; i < items.size(); i++) {
          collectUnknownFields((Message) items.get(i), path + "." + f.getName() + "[" + i + "]", out);
        }
      } else {
        collectUnknownFields((Message) e.getValue(), path + "." + f.getName(), out);
      }
    }
  }
}
