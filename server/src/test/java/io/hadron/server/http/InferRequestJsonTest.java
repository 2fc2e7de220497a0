package io.hadron.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InferRequestJsonTest {
  private static InferenceRequest decode(String json) {
    return InferRequestJson.decode(json.getBytes(StandardCharsets.UTF_8), "m", null);
  }

  private static String error(String json) {
    return assertThrows(HadronException.InvalidArgument.class, () -> decode(json)).getMessage();
  }

  @Test
  void flatAndNestedDataDecodeToTheSameRowMajorBuffer() {
    Tensor flat = decode("""
        {"inputs":[{"name":"x","shape":[2,3],"datatype":"INT32","data":[1,2,3,4,5,6]}]}""").inputs().get(0);
    Tensor nested = decode("""
        {"inputs":[{"name":"x","shape":[2,3],"datatype":"INT32","data":[[1,2,3],[4,5,6]]}]}""").inputs().get(0);
    assertEquals(flat.data(), nested.data());
    assertEquals(6, flat.data().getInt(20));
    assertArrayEquals(new long[] {2, 3}, flat.shape());
  }

  @Test
  void idParametersAndOutputsAreKeptInOrder() {
    InferenceRequest r = decode("""
        {"id":"42","parameters":{"priority":2,"flag":true,"s":"x","f":0.5},
         "inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":{"a":1}}],
         "outputs":[{"name":"b"},{"name":"a","parameters":{"binary_data":false}}]}""");
    assertEquals("42", r.id());
    assertEquals(2L, r.parameters().get("priority"));
    assertEquals(Boolean.TRUE, r.parameters().get("flag"));
    assertEquals(List.of("b", "a"), r.outputs().stream().map(o -> o.name()).toList());
    assertEquals(Boolean.FALSE, r.outputs().get(1).parameters().get("binary_data"));
  }

  @Test
  void everyDatatypeDecodesToItsLittleEndianLayout() {
    String[][] cases = {
      {"BOOL", "[true,false]"}, {"UINT8", "[0,255]"}, {"UINT16", "[0,65535]"}, {"UINT32", "[0,4294967295]"},
      {"UINT64", "[0,18446744073709551615]"}, {"INT8", "[-128,127]"}, {"INT16", "[-32768,32767]"},
      {"INT32", "[-2147483648,2147483647]"}, {"INT64", "[-9223372036854775808,9223372036854775807]"},
      {"FP16", "[1.5,-2]"}, {"BF16", "[1.5,-2]"}, {"FP32", "[1.5,-2]"}, {"FP64", "[1.5,-2]"}, {"BYTES", "[\"a\",\"\"]"}
    };
    for (String[] c : cases) {
      Tensor t = decode("{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"" + c[0] + "\",\"data\":" + c[1] + "}]}")
          .inputs().get(0);
      DataType type = DataType.valueOf(c[0]);
      assertEquals(type, t.datatype());
      ByteBuffer b = t.data();
      switch (type) {
        case BOOL -> assertEquals(1, b.get(0));
        case UINT8 -> assertEquals((byte) 255, b.get(1));
        case UINT16 -> assertEquals((short) 65535, b.getShort(2));
        case UINT32 -> assertEquals(-1, b.getInt(4));
        case UINT64 -> assertEquals(-1L, b.getLong(8));
        case INT8 -> assertEquals(127, b.get(1));
        case INT16 -> assertEquals(Short.MIN_VALUE, b.getShort(0));
        case INT32 -> assertEquals(Integer.MAX_VALUE, b.getInt(4));
        case INT64 -> assertEquals(Long.MIN_VALUE, b.getLong(0));
        case FP16 -> assertEquals(-2f, Float.float16ToFloat(b.getShort(2)));
        case BF16 -> assertEquals(1.5f, Float.intBitsToFloat((b.getShort(0) & 0xFFFF) << 16));
        case FP32 -> assertEquals(1.5f, b.getFloat(0));
        case FP64 -> assertEquals(-2.0, b.getDouble(8));
        case BYTES -> assertEquals("a", new String(t.bytesElements().get(0), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void dataBeforeDatatypeAndShapeIsStillDecoded() {
    Tensor t = decode("""
        {"inputs":[{"data":[[1.25],[2.5]],"name":"x","datatype":"FP32","shape":[2,1]}]}""").inputs().get(0);
    assertEquals(2.5f, t.data().getFloat(4));
    assertTrue(error("""
        {"inputs":[{"data":[1,"x"],"name":"x","datatype":"FP32","shape":[2]}]}""").contains("a string"));
  }

  @Test
  void malformedJsonIsNamedWithItsPosition() {
    assertTrue(error("{\"inputs\": [").contains("malformed JSON"));
    assertTrue(error("[1,2]").contains("must be a JSON object"));
    assertTrue(error("{} {}").contains("after the inference request"));
  }

  @Test
  void missingPartsOfAnInputAreNamed() {
    assertTrue(error("{\"inputs\":[{\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}").contains("no 'name'"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"data\":[1]}]}").contains("no 'datatype'"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}").contains("no 'shape'"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1]}]}").contains("no 'data'"));
    assertTrue(error("{\"outputs\":[]}").contains("no 'inputs'"));
    assertTrue(error("{\"input\":[]}").contains("unknown field 'input'"));
  }

  @Test
  void wrongDatatypeNameIsRejected() {
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}")
        .contains("'FLOAT'"));
  }

  @Test
  void negativeOrNonIntegerDimsAreRejected() {
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}")
        .contains("negative"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1.5],\"datatype\":\"FP32\",\"data\":[1]}]}")
        .contains("non-negative integer"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[\"2\"],\"datatype\":\"FP32\",\"data\":[1,2]}]}")
        .contains("non-negative integer"));
  }

  @Test
  void elementCountMustEqualTheShapeProduct() {
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2]}]}")
        .contains("has 2 elements but shape [3] needs 3"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1,2]}]}")
        .contains("more than the 1 elements"));
  }

  @Test
  void hugeShapesAreRefusedBeforeAllocating() {
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[100000,100000],\"datatype\":\"FP64\",\"data\":[1]}]}")
        .contains("more than the request body holds"));
  }

  @Test
  void dataOfTheWrongJsonTypeIsRejected() {
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1.5]}]}")
        .contains("needs an integer"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[1]}]}")
        .contains("needs a boolean"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[1]}]}")
        .contains("needs a string"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[null]}]}")
        .contains("null"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":\"1\"}]}")
        .contains("must be a JSON array"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[128]}]}")
        .contains("out of range for INT8"));
    assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[-1]}]}")
        .contains("out of range for UINT8"));
  }

  @Test
  void absentIdStaysAbsent() {
    assertNull(decode("{\"inputs\":[]}").id());
  }
}
