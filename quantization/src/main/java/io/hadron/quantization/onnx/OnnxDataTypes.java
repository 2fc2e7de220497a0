package io.hadron.quantization.onnx;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.TensorProto;

/**
 * Maps between Hadron's {@link DataType} and ONNX tensor element types.
 *
 * <p>Every core type has an ONNX counterpart; the reverse is partial, because ONNX also has
 * complex, 8-, 4- and 2-bit float and integer types that the KServe v2 protocol cannot carry.
 * {@link DataType#BYTES} maps to ONNX {@code STRING}: both are sequences of arbitrary byte strings.
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxDataTypes {
  private OnnxDataTypes() {}

  /** The ONNX element type for a core datatype. */
  public static TensorProto.DataType toOnnx(DataType type) {
    return switch (type) {
      case BOOL -> TensorProto.DataType.BOOL;
      case UINT8 -> TensorProto.DataType.UINT8;
      case UINT16 -> TensorProto.DataType.UINT16;
      case UINT32 -> TensorProto.DataType.UINT32;
      case UINT64 -> TensorProto.DataType.UINT64;
      case INT8 -> TensorProto.DataType.INT8;
      case INT16 -> TensorProto.DataType.INT16;
      case INT32 -> TensorProto.DataType.INT32;
      case INT64 -> TensorProto.DataType.INT64;
      case FP16 -> TensorProto.DataType.FLOAT16;
      case BF16 -> TensorProto.DataType.BFLOAT16;
      case FP32 -> TensorProto.DataType.FLOAT;
      case FP64 -> TensorProto.DataType.DOUBLE;
      case BYTES -> TensorProto.DataType.STRING;
    };
  }

  /** The ONNX element type number (as stored in {@code elem_type} and {@code data_type}). */
  public static int toOnnxNumber(DataType type) {
    return toOnnx(type).getNumber();
  }

  /**
   * The core datatype for an ONNX element type.
   *
   * @throws HadronException.Unsupported for ONNX types the protocol has no datatype for
   */
  public static DataType fromOnnx(TensorProto.DataType type) {
    return switch (type) {
      case BOOL -> DataType.BOOL;
      case UINT8 -> DataType.UINT8;
      case UINT16 -> DataType.UINT16;
      case UINT32 -> DataType.UINT32;
      case UINT64 -> DataType.UINT64;
      case INT8 -> DataType.INT8;
      case INT16 -> DataType.INT16;
      case INT32 -> DataType.INT32;
      case INT64 -> DataType.INT64;
      case FLOAT16 -> DataType.FP16;
      case BFLOAT16 -> DataType.BF16;
      case FLOAT -> DataType.FP32;
      case DOUBLE -> DataType.FP64;
      case STRING -> DataType.BYTES;
      default ->
          throw new HadronException.Unsupported(
              "ONNX element type " + type + " has no KServe v2 datatype");
    };
  }

  /**
   * The core datatype for an ONNX element type number, as found in a model.
   *
   * @throws HadronException.Unsupported for numbers this schema does not know and for ONNX types
   *     the protocol has no datatype for
   */
  public static DataType fromOnnxNumber(int elemType) {
    TensorProto.DataType type = TensorProto.DataType.forNumber(elemType);
    if (type == null) {
      throw new HadronException.Unsupported("unknown ONNX element type number " + elemType);
    }
    return fromOnnx(type);
  }
}
