package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.hadron.core.DataType;
import java.util.Locale;

/**
 * Element types as ONNX Runtime's Java API sees them, against Hadron's {@link DataType}.
 *
 * <p>Support matrix. Every type below can be read back from an output, because outputs are copied
 * as raw bytes. Feeding an input needs an {@link OnnxJavaType} that the Java API will turn into the
 * same ONNX element type; it has none for UINT16, UINT32 and UINT64 (it would create INT16, INT32,
 * INT64 tensors and ONNX Runtime would reject the run), so those are output-only. COMPLEX64/128,
 * the FLOAT8 family, and element types the Java API does not know have no Hadron datatype at all.
 *
 * <pre>
 * ONNX      Hadron  input output          ONNX      Hadron  input output
 * FLOAT     FP32    yes   yes             UINT8     UINT8   yes   yes
 * DOUBLE    FP64    yes   yes             UINT16    UINT16  no    yes
 * FLOAT16   FP16    yes   yes             UINT32    UINT32  no    yes
 * BFLOAT16  BF16    yes   yes             UINT64    UINT64  no    yes
 * INT8..64  INT*    yes   yes             BOOL      BOOL    yes   yes
 * STRING    BYTES   yes   yes (UTF-8 text only, see TensorBridge)
 * </pre>
 *
 * <p>Stateless.
 */
final class OrtTypes {
  private OrtTypes() {}

  /** The Hadron datatype of an ONNX element type, or {@code null} when there is none. */
  static DataType dataType(OnnxTensorType t) {
    if (t == null) {
      return null;
    }
    return switch (t) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
      default -> null;
    };
  }

  /** True when a tensor of this datatype can be handed to ONNX Runtime as an input. */
  static boolean feedable(DataType t) {
    return switch (t) {
      case UINT16, UINT32, UINT64 -> false;
      default -> true;
    };
  }

  /**
   * The Java API's type for building a tensor of a fixed-size datatype over a byte buffer; the
   * bytes are taken as they are, so only the element type and size matter.
   *
   * @throws IllegalArgumentException for BYTES and the datatypes that are not {@link #feedable}
   */
  static OnnxJavaType javaType(DataType t) {
    return switch (t) {
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      case FP16 -> OnnxJavaType.FLOAT16;
      case BF16 -> OnnxJavaType.BFLOAT16;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case UINT8 -> OnnxJavaType.UINT8;
      case BOOL -> OnnxJavaType.BOOL;
      default -> throw new IllegalArgumentException("no buffer-backed ONNX Runtime tensor type for " + t);
    };
  }

  /** A short name for an ONNX element type in messages ("COMPLEX64"). */
  static String describe(OnnxTensorType t) {
    if (t == null) {
      return "an element type unknown to the ONNX Runtime Java API";
    }
    return t.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toUpperCase(Locale.ROOT);
  }
}
