package io.hadron.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void fixedSizeDataMustMatchShapeTimesElementSize() {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * 6);
    Tensor t = new Tensor("x", DataType.FP32, new long[] {2, 3}, b);
    assertEquals(6, t.elementCount());
    assertEquals(24, t.byteSize());
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> new Tensor("x", DataType.FP32, new long[] {2, 4}, ByteBuffer.allocateDirect(24)));
    assertTrue(e.getMessage().contains("needs 32 bytes"), e.getMessage());
  }

  @Test
  void dataViewIsLittleEndianReadOnlyAndIndependent() {
    ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 7).putInt(4, -3);
    Tensor t = new Tensor("x", DataType.INT32, new long[] {2}, b);
    ByteBuffer v1 = t.data();
    v1.getInt();
    assertEquals(0, t.data().position());
    assertEquals(ByteOrder.LITTLE_ENDIAN, t.data().order());
    assertEquals(-3, t.data().getInt(4));
    assertThrows(ReadOnlyBufferException.class, () -> t.data().putInt(0, 1));
  }

  @Test
  void bytesElementsRoundTripThroughTheLengthPrefixedLayout() {
    Tensor t = Tensor.ofStrings("s", List.of("hello", "", "wörld"));
    assertEquals(3, t.elementCount());
    List<byte[]> els = t.bytesElements();
    assertArrayEquals("wörld".getBytes(StandardCharsets.UTF_8), els.get(2));
    assertEquals(0, els.get(1).length);
  }

  @Test
  void truncatedOrOverlongBytesDataIsRejected() {
    ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(5).put((byte) 1).put((byte) 2).flip();
    assertThrows(HadronException.InvalidArgument.class, () -> new Tensor("s", DataType.BYTES, new long[] {1}, b));
    ByteBuffer extra = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN).putInt(1).put((byte) 1).putShort((short) 0).flip();
    var e = assertThrows(HadronException.InvalidArgument.class,
        () -> new Tensor("s", DataType.BYTES, new long[] {1}, extra));
    assertTrue(e.getMessage().contains("left over"), e.getMessage());
  }
}
