package io.hadron.quantization.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OnnxDataTypesTest {
  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyCoreTypeMapsToOnnxAndBack(DataType type) {
    assertEquals(type, OnnxDataTypes.fromOnnx(OnnxDataTypes.toOnnx(type)));
    assertEquals(type, OnnxDataTypes.fromOnnxNumber(OnnxDataTypes.toOnnxNumber(type)));
  }

  @Test
  void numbersMatchTheOnnxSpecification() {
    assertEquals(1, OnnxDataTypes.toOnnxNumber(DataType.FP32));
    assertEquals(6, OnnxDataTypes.toOnnxNumber(DataType.INT32));
    assertEquals(8, OnnxDataTypes.toOnnxNumber(DataType.BYTES));
    assertEquals(10, OnnxDataTypes.toOnnxNumber(DataType.FP16));
    assertEquals(16, OnnxDataTypes.toOnnxNumber(DataType.BF16));
    assertEquals(13, OnnxDataTypes.toOnnxNumber(DataType.UINT64));
  }

  @ParameterizedTest
  @EnumSource(
      value = TensorProto.DataType.class,
      names = {
        "UNDEFINED", "COMPLEX64", "COMPLEX128", "FLOAT8E4M3FN", "FLOAT8E5M2", "INT4", "UINT4",
        "FLOAT4E2M1", "INT2"
      })
  void onnxTypesWithoutAProtocolTypeAreUnsupported(TensorProto.DataType type) {
    HadronException.Unsupported e =
        assertThrows(HadronException.Unsupported.class, () -> OnnxDataTypes.fromOnnx(type));
    assertEquals("ONNX element type " + type + " has no KServe v2 datatype", e.getMessage());
  }

  @Test
  void unknownOnnxNumberIsUnsupported() {
    assertThrows(HadronException.Unsupported.class, () -> OnnxDataTypes.fromOnnxNumber(999));
  }
}
