package io.hadron.loadtests.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PayloadTest {
  @Test
  void jsonCarriesEveryElementAndAsksForTheOutputs() {
    Payload p = Payload.json(Workload.simple());
    String body = new String(p.body(), StandardCharsets.UTF_8);
    assertEquals("/v2/models/simple/infer", p.path());
    assertEquals(-1, p.headerLength());
    assertTrue(body.startsWith("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],"
        + "\"data\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]}"), body);
    assertTrue(body.contains("{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[1,16],\"data\":[1,1,1"), body);
    assertTrue(body.endsWith("\"outputs\":[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT1\"}]}"), body);
    assertEquals(64, p.minResponseBytes());
  }

  @Test
  void binaryPutsTheRawTensorsAfterTheJsonHeader() {
    Workload w = Workload.miniLm(Workload.MINILM, 8);
    Payload p = Payload.binary(w);
    byte[] body = p.body();
    String header = new String(body, 0, p.headerLength(), StandardCharsets.UTF_8);
    assertTrue(header.contains("\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,8],"
        + "\"parameters\":{\"binary_data_size\":64}"), header);
    assertTrue(header.endsWith("{\"name\":\"last_hidden_state\",\"parameters\":{\"binary_data\":true}}]}"), header);
    assertEquals(p.headerLength() + 3 * 64, body.length);
    ByteBuffer data = ByteBuffer.wrap(body, p.headerLength(), 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(101, data.getLong());
    assertArrayEquals(w.inputs().get(1).data(),
        Arrays.copyOfRange(body, p.headerLength() + 64, p.headerLength() + 128));
    assertEquals(8L * Workload.MINILM_HIDDEN * 4, p.minResponseBytes());
  }

  @Test
  void requestBytesAreOneHttpRequest() {
    Payload p = Payload.binary(Workload.simple());
    byte[] all = p.requestBytes("127.0.0.1");
    String s = new String(all, StandardCharsets.ISO_8859_1);
    int headEnd = s.indexOf("\r\n\r\n") + 4;
    String head = s.substring(0, headEnd);
    assertTrue(head.startsWith("POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"), head);
    assertTrue(head.contains("Content-Length: " + p.body().length + "\r\n"), head);
    assertTrue(head.contains("Inference-Header-Content-Length: " + p.headerLength() + "\r\n"), head);
    assertTrue(head.contains("Content-Type: application/octet-stream\r\n"), head);
    assertArrayEquals(p.body(), Arrays.copyOfRange(all, headEnd, all.length));
  }

  @Test
  void miniLmSampleIsDeterministicAndFramed() {
    Workload a = Workload.miniLm("m", 128);
    Workload b = Workload.miniLm("m", 128);
    assertArrayEquals(a.inputs().get(0).data(), b.inputs().get(0).data());
    SampleTensor ids = a.inputs().get(0);
    assertEquals(101, ids.element(0));
    assertEquals(102, ids.element(127));
    assertEquals(0, a.inputs().get(2).element(5));
    assertEquals(1, a.inputs().get(1).element(5));
    assertThrows(IllegalArgumentException.class, () -> Workload.miniLm("m", 1));
    assertThrows(IllegalArgumentException.class, () -> Workload.miniLm("m", 513));
  }

  @Test
  void sampleTensorsRepeatPerRowAndCheckTheirSize() {
    SampleTensor t = SampleTensor.of("x", SampleTensor.Type.INT32, new long[] {2}, 7, 8);
    assertArrayEquals(new long[] {3, 2}, t.batchShape(3));
    ByteBuffer b = t.repeated(3);
    assertEquals(24, b.remaining());
    assertEquals(7, b.getInt(8));
    assertEquals(8, b.getInt(20));
    assertThrows(IllegalArgumentException.class,
        () -> new SampleTensor("y", SampleTensor.Type.INT64, new long[] {2}, new byte[8]));
    assertThrows(IllegalArgumentException.class,
        () -> new SampleTensor("y", SampleTensor.Type.INT64, new long[] {0}, new byte[0]));
  }
}
