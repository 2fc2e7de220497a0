package io.hadron.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Decoding of binary tensor data, below the socket: layouts, slicing without copies, size checks. */
class BinaryRequestTest {
  /** Builds a body as the server reads it: one direct little-endian buffer, header then data. */
  private static ByteBuffer body(String json, byte[] data) {
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocateDirect(header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    return b.put(header).put(data).flip();
  }

  private static InferenceRequest decode(ByteBuffer body, int headerLength) {
    byte[] header = new byte[headerLength];
    body.get(0, header);
    return InferRequestJson.decode(header, headerLength, "m", null, new BinarySection(body, headerLength));
  }

  private static String oneInput(String type, String shape, int size) {
    return "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + type + "\",\"shape\":" + shape
        + ",\"parameters\":{\"binary_data_size\":" + size + "}}]}";
  }

  @Test
  void everyDatatypeIsTakenAsItsBytes() {
    for (DataType type : DataType.values()) {
      byte[] data = new byte[type == DataType.BYTES ? 9 : 2 * type.byteSize()];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i * 37 + 1);
      }
      if (type == DataType.BYTES) {
        data = new byte[] {1, 0, 0, 0, 'a', 0, 0, 0, 0};
      }
      String json = oneInput(type.wireName(), "[2]", data.length);
      Tensor t = decode(body(json, data), json.length()).inputs().get(0);
      assertEquals(type, t.datatype());
      byte[] back = new byte[t.byteSize()];
      t.data().get(back);
      assertArrayEquals(data, back, type.toString());
    }
  }

  @Test
  void inputsAreSlicesOfTheBodyNotCopies() {
    String json = "{\"inputs\":[{\"name\":\"a\",\"datatype\":\"INT32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}},"
        + "{\"name\":\"b\",\"datatype\":\"INT32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
    ByteBuffer body = body(json, new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
    InferenceRequest r = decode(body, json.length());
    Tensor b = r.inputs().get(1);
    assertTrue(b.data().isDirect());
    assertEquals(2, b.data().getInt(0));
    // Writing into the body shows through the tensor: its data is the body's own memory.
    body.putInt(json.length() + 4, 99);
    assertEquals(99, b.data().getInt(0));
  }

  @Test
  void sizeMismatchesNameTheInputAndTheNumbers() {
    String json = oneInput("FP32", "[3]", 8);
    HadronException e = assertThrows(HadronException.InvalidArgument.class,
        () -> decode(body(json, new byte[8]), json.length()));
    assertEquals("input 'x': binary_data_size 8 does not match shape [3] of FP32, which needs 12 bytes",
        e.getMessage());
    String huge = oneInput("FP64", "[4611686018427387904]", 8);
    assertTrue(assertThrows(HadronException.InvalidArgument.class, () -> decode(body(huge, new byte[8]), huge.length()))
        .getMessage().contains("needs more than 2^63 bytes"));
    String bytes = oneInput("BYTES", "[3]", 8);
    assertTrue(assertThrows(HadronException.InvalidArgument.class, () -> decode(body(bytes, new byte[8]),
        bytes.length())).getMessage().contains("cannot hold 3 BYTES elements"));
  }

  @Test
  void aRawBodyGetsTheModelsDatatypeAndABatchOfOne() {
    ModelConfig config = ModelConfig.builder("m").maxBatchSize(4)
        .addInput(new TensorConfig("in", DataType.INT16, new long[] {2, -1}, false))
        .addOutput(new TensorConfig("out", DataType.INT16, new long[] {2, -1}, false)).build();
    ByteBuffer raw = ByteBuffer.allocateDirect(12).order(ByteOrder.LITTLE_ENDIAN);
    InferenceRequest r = RawBodyRequest.decode(raw, config, "m", null);
    assertArrayEquals(new long[] {1, 2, 3}, r.inputs().get(0).shape());
    assertEquals(Boolean.TRUE, r.parameters().get("binary_data_output"));
    ModelConfig fixed = config.toBuilder().maxBatchSize(0)
        .inputs(java.util.List.of(new TensorConfig("in", DataType.INT16, new long[] {3}, false))).build();
    assertEquals("input 'in': the raw body holds 12 bytes but shape [3] of INT16 needs 6 bytes",
        assertThrows(HadronException.InvalidArgument.class, () -> RawBodyRequest.decode(raw, fixed, "m", null))
            .getMessage());
    ModelConfig twoOpen = fixed.toBuilder()
        .inputs(java.util.List.of(new TensorConfig("in", DataType.INT16, new long[] {-1, -1}, false))).build();
    assertTrue(assertThrows(HadronException.InvalidArgument.class, () -> RawBodyRequest.decode(raw, twoOpen, "m", null))
        .getMessage().contains("more than one open dimension"));
  }
}
