package io.hadron.quantization.optimize;

/**
 * The operators that carry a dynamically quantized matrix product.
 *
 * <p>All three compute the same thing: the activation quantized to uint8 with a scale and zero
 * point taken from its own range at run time, an integer product with the int8 weight, and the
 * result rescaled to float by (activation scale x weight scale). They differ in what ends up in
 * the file, and so in who can run it and how fast.
 *
 * <p>Immutable.
 */
public enum Int8Kernel {
  /**
   * Standard ONNX operators only (DynamicQuantizeLinear, MatMulInteger, Cast, Mul), one
   * DynamicQuantizeLinear per product. Any ONNX engine can run it; ONNX Runtime fuses each chain
   * (and a following bias Add) into its DynamicQuantizeMatMul kernel when it loads the model.
   */
  ONNX_OPS,
  /** ONNX Runtime's com.microsoft DynamicQuantizeMatMul, one node per product, bias included. */
  ORT_DYNAMIC_QUANTIZE_MATMUL,
  /**
   * One DynamicQuantizeLinear per activation, shared by every product that reads it (as ONNX
   * Runtime's own quantize_dynamic emits), feeding com.microsoft MatMulIntegerToFloat nodes.
   */
  ORT_MATMUL_INTEGER_TO_FLOAT
}
