package io.hadron.backend.pytorch;

import io.hadron.core.DataType;

/**
 * The datatypes this backend carries between Hadron and PyTorch, and why the others are refused.
 *
 * <p>DJL 0.36's PyTorch JNI maps only eight of its datatypes to libtorch scalar types; handing it
 * another one (INT16, BF16, the unsigned types wider than a byte) aborts the whole process from
 * native code rather than throwing, so every tensor is checked against this table at load time,
 * before anything reaches the engine.
 *
 * <p>Stateless.
 */
final class TensorTypes {
  private TensorTypes() {}

  /** The DJL datatype for a Hadron one, or {@code null} when this backend cannot carry it. */
  static ai.djl.ndarray.types.DataType toDjl(DataType type) {
    return switch (type) {
      case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
      case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
      case INT8 -> ai.djl.ndarray.types.DataType.INT8;
      case INT32 -> ai.djl.ndarray.types.DataType.INT32;
      case INT64 -> ai.djl.ndarray.types.DataType.INT64;
      case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
      case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
      case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
      default -> null;
    };
  }

  /** The Hadron datatype for a DJL one, or {@code null} when there is none this backend carries. */
  static DataType fromDjl(ai.djl.ndarray.types.DataType type) {
    return switch (type) {
      case BOOLEAN -> DataType.BOOL;
      case UINT8 -> DataType.UINT8;
      case INT8 -> DataType.INT8;
      case INT32 -> DataType.INT32;
      case INT64 -> DataType.INT64;
      case FLOAT16 -> DataType.FP16;
      case FLOAT32 -> DataType.FP32;
      case FLOAT64 -> DataType.FP64;
      default -> null;
    };
  }

  /** Why a type is refused; only for types {@link #toDjl} maps to {@code null}. */
  static String whyUnsupported(DataType type) {
    return type == DataType.BYTES
        ? "TYPE_STRING, which PyTorch tensors cannot hold"
        : type.configName() + ", which DJL's PyTorch engine cannot exchange (supported: TYPE_BOOL, "
            + "TYPE_UINT8, TYPE_INT8, TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64)";
  }
}
