package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Builds request bodies of the binary tensor data extension and takes responses apart, the way
 * Triton's clients do. Stateless.
 */
final class BinaryBodies {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private BinaryBodies() {}

  /** The JSON header followed by the binary chunks. */
  static byte[] body(String json, byte[]... chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
    for (byte[] c : chunks) {
      out.writeBytes(c);
    }
    return out.toByteArray();
  }

  static String headerLength(String json) {
    return Integer.toString(json.getBytes(StandardCharsets.UTF_8).length);
  }

  /** A binary input's JSON object. */
  static String input(String name, String datatype, String shape, int size) {
    return "{\"name\":\"" + name + "\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape
        + ",\"parameters\":{\"binary_data_size\":" + size + "}}";
  }

  /** Three sample elements of each datatype in the binary layout (little-endian). */
  static byte[] sample(DataType type) {
    if (type == DataType.BYTES) {
      return bytesElements("", "héllo", "a");
    }
    ByteBuffer b = ByteBuffer.allocate(3 * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 3; i++) {
      switch (type) {
        case BOOL -> b.put((byte) (i % 2 == 0 ? 1 : 0));
        case UINT8, INT8 -> b.put((byte) (i == 2 ? -7 : i + 1));
        case UINT16, INT16 -> b.putShort((short) (i == 2 ? -300 : i + 1));
        case FP16 -> b.putShort(Float.floatToFloat16(i == 2 ? -2.5f : i + 0.5f));
        case BF16 -> b.putShort((short) (Float.floatToRawIntBits(i == 2 ? -2.5f : i + 0.5f) >>> 16));
        case UINT32, INT32 -> b.putInt(i == 2 ? -70000 : i + 1);
        case UINT64, INT64 -> b.putLong(i == 2 ? -5_000_000_000L : i + 1);
        case FP32 -> b.putFloat(i == 2 ? -2.5f : i + 0.25f);
        case FP64 -> b.putDouble(i == 2 ? -2.5 : i + 0.125);
        case BYTES -> throw new IllegalStateException();
      }
    }
    return b.array();
  }

  static byte[] bytesElements(String... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String v : values) {
      byte[] e = v.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
      out.writeBytes(e);
    }
    return out.toByteArray();
  }

  static byte[] ints(int... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** A response taken apart: its JSON header and the binary chunks that follow. */
  record Reply(int status, String contentType, JsonObject header, byte[] body, int headerLength) {
    static Reply of(HttpResponse<byte[]> r) {
      String hl = r.headers().firstValue(HEADER_LENGTH).orElse(null);
      int n = hl == null ? r.body().length : Integer.parseInt(hl);
      JsonObject header = new JsonObject(new String(r.body(), 0, n, StandardCharsets.UTF_8));
      return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), header, r.body(),
          hl == null ? -1 : n);
    }

    JsonObject output(String name) {
      for (Object o : header.getJsonArray("outputs")) {
        JsonObject out = (JsonObject) o;
        if (out.getString("name").equals(name)) {
          return out;
        }
      }
      throw new AssertionError("no output '" + name + "' in " + header);
    }

    /** The binary data of an output: chunks follow the header in output order. */
    byte[] binary(String name) {
      int offset = headerLength;
      for (Object o : header.getJsonArray("outputs")) {
        JsonObject out = (JsonObject) o;
        JsonObject params = out.getJsonObject("parameters");
        int size = params == null ? 0 : params.getInteger("binary_data_size", 0);
        if (out.getString("name").equals(name)) {
          assertTrue(params != null && params.containsKey("binary_data_size"), name + " is not binary: " + out);
          return Arrays.copyOfRange(body, offset, offset + size);
        }
        offset += size;
      }
      throw new AssertionError("no output '" + name + "' in " + header);
    }

    /** Every binary chunk is accounted for: header plus chunk sizes is the body length. */
    void assertComplete() {
      int total = headerLength;
      for (Object o : header.getJsonArray("outputs")) {
        JsonObject params = ((JsonObject) o).getJsonObject("parameters");
        total += params == null ? 0 : params.getInteger("binary_data_size", 0);
      }
      assertEquals(body.length, total, "body length against header and chunks");
    }

    List<Long> shape(String name) {
      JsonArray s = output(name).getJsonArray("shape");
      return s.stream().map(v -> ((Number) v).longValue()).toList();
    }
  }
}
