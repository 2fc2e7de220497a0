package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.onnx.proto.StringStringEntryProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxTensorsTest {
  @Test
  void rawDataTensorSurvivesARoundTrip() {
    ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(1).putInt(-2).putInt(Integer.MAX_VALUE).flip();
    Tensor t = new Tensor("t", DataType.INT32, new long[] {3}, data);
    Tensor back = OnnxTensors.toTensor(OnnxTensors.toProto(t));
    assertEquals("t", back.name());
    assertEquals(DataType.INT32, back.datatype());
    assertEquals(t.data(), back.data());
  }

  @Test
  void stringTensorUsesStringDataAndSurvivesARoundTrip() {
    Tensor t = Tensor.ofStrings("s", List.of("a", "", "héllo"));
    TensorProto proto = OnnxTensors.toProto(t);
    assertEquals(TensorProto.DataType.STRING.getNumber(), proto.getDataType());
    assertEquals(3, proto.getStringDataCount());
    assertEquals(false, proto.hasRawData());
    assertEquals(t.data(), OnnxTensors.toTensor(proto).data());
  }

  @Test
  void typedFieldsDecodeToLittleEndianData() {
    TensorProto halves =
        TensorProto.newBuilder()
            .setDataType(TensorProto.DataType.FLOAT16.getNumber())
            .addDims(2)
            .addInt32Data(0x3C00) // 1.0 in half precision
            .addInt32Data(0xC000) // -2.0
            .build();
    ByteBuffer h = OnnxTensors.toTensor(halves).data();
    assertEquals((short) 0x3C00, h.getShort(0));
    assertEquals((short) 0xC000, h.getShort(2));

    TensorProto uints =
        TensorProto.newBuilder()
            .setDataType(TensorProto.DataType.UINT32.getNumber())
            .addDims(1)
            .addUint64Data(0xFFFF_FFFFL)
            .build();
    assertEquals(-1, OnnxTensors.toTensor(uints).data().getInt(0));

    TensorProto floats =
        TensorProto.newBuilder()
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(1)
            .addDims(2)
            .addFloatData(0.25f)
            .addFloatData(4f)
            .build();
    Tensor f = OnnxTensors.toTensor(floats);
    assertEquals(2, f.rank());
    assertEquals(4f, f.data().getFloat(4));

    TensorProto bools =
        TensorProto.newBuilder()
            .setDataType(TensorProto.DataType.BOOL.getNumber())
            .addDims(2)
            .addInt32Data(1)
            .addInt32Data(0)
            .build();
    assertEquals(1, OnnxTensors.toTensor(bools).data().get(0));
  }

  @Test
  void elementCountMismatchNamesTheTensorAndField() {
    TensorProto bad =
        TensorProto.newBuilder()
            .setName("w")
            .setDataType(TensorProto.DataType.INT64.getNumber())
            .addDims(3)
            .addInt64Data(1)
            .build();
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> OnnxTensors.toTensor(bad));
    assertEquals("tensor 'w': shape needs 3 elements but int64_data has 1", e.getMessage());
  }

  @Test
  void rawDataOfTheWrongSizeIsRejected() {
    TensorProto bad =
        TensorProto.newBuilder()
            .setName("w")
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(2)
            .setRawData(ByteString.copyFrom(new byte[7]))
            .build();
    assertThrows(HadronException.InvalidArgument.class, () -> OnnxTensors.toTensor(bad));
  }

  @Test
  void externalDataIsUnsupportedNamingTheTensor() {
    TensorProto external =
        TensorProto.newBuilder()
            .setName("big")
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(1)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"))
            .build();
    HadronException.Unsupported e =
        assertThrows(HadronException.Unsupported.class, () -> OnnxTensors.toTensor(external));
    assertEquals(
        "tensor 'big' keeps its data in an external file, which is not read here", e.getMessage());
  }
}
