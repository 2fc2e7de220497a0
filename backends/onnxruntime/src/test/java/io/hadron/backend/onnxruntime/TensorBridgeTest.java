package io.hadron.backend.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorBridgeTest {
  @Test
  void aReadOnlyDirectViewIsHandedToOnnxRuntimeWithoutACopy() throws OrtException {
    ByteBuffer backing = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    backing.putFloat(0, 1f).putFloat(12, 4f);
    Tensor t = new Tensor("x", DataType.FP32, new long[] {2, 2}, backing);
    assertTrue(t.data().isReadOnly(), "core hands out read-only views");

    try (OnnxTensor ort = TensorBridge.toOrt(Ort.env(), t)) {
      assertFalse(ort.ownsBuffer(), "ONNX Runtime made its own copy of the input");
      // Writing through the original buffer shows in the ONNX Runtime tensor: the memory is shared.
      backing.putFloat(4, 42f);
      assertEquals(42f, ort.getFloatBuffer().get(1));
    }
  }

  @Test
  void aHeapBufferIsCopiedIntoADirectOne() throws OrtException {
    ByteBuffer heap = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(9).flip();
    Tensor t = new Tensor("x", DataType.INT32, new long[] {2}, heap);

    try (OnnxTensor ort = TensorBridge.toOrt(Ort.env(), t)) {
      ByteBuffer ref = (ByteBuffer) ort.getBufferRef().orElseThrow();
      assertTrue(ref.isDirect());
      assertEquals(9, ort.getIntBuffer().get(1));
    }
  }

  @Test
  void anOutputCopiedFromOnnxRuntimeKeepsTypeAndShape() throws OrtException {
    ByteBuffer direct = ByteBuffer.allocateDirect(4).put(new byte[] {1, 0, 0, 1}).flip();
    Tensor t = new Tensor("b", DataType.BOOL, new long[] {4}, direct);
    try (OnnxTensor ort = TensorBridge.toOrt(Ort.env(), t)) {
      Tensor back = TensorBridge.fromOrt("b", DataType.BOOL, ort);
      assertSame(DataType.BOOL, back.datatype());
      assertEquals(t.data(), back.data());
      assertTrue(back.data().isDirect());
    }
  }
}
