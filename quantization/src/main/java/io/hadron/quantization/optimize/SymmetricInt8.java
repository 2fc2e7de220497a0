package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;

/**
 * Symmetric int8 quantization of a float matrix: {@code q = clamp(rint(w / s), -m, m)} with one
 * scale {@code s = max|w| / m} per column, per row or for the whole matrix, and zero point 0.
 *
 * <p>Symmetric on purpose: a zero weight stays exactly zero, so a pruned matrix keeps its sparsity
 * after quantization, and the integer product needs no zero-point correction for the weight side.
 * The limit {@code m} is 127, not 128, so that {@code -w} quantizes to {@code -q}; 63 ("reduced
 * range") leaves headroom for CPUs whose int8 dot-product instructions add pairs of products in
 * 16 bits and could saturate at full range (x86 with AVX2 but no VNNI). Rounding is half to even,
 * like ONNX's QuantizeLinear.
 *
 * <p>Stateless and thread-safe.
 */
final class SymmetricInt8 {
  /** Quantized values (row-major, same shape as the input) and their scales. */
  record Quantized(byte[] values, float[] scales) {}

  /** How scales are shared. */
  enum Granularity {
    PER_TENSOR,
    PER_COLUMN,
    PER_ROW
  }

  private SymmetricInt8() {}

  /**
   * Quantizes the row-major {@code rows x cols} matrix {@code w}; {@code scales} has one entry per
   * column, per row, or a single one.
   *
   * @throws HadronException.InvalidArgument naming {@code what} if a weight is NaN or infinite
   */
  static Quantized quantize(
      String what, float[] w, int rows, int cols, Granularity granularity, int limit) {
    if ((long) rows * cols != w.length) {
      throw new IllegalArgumentException(
          what + ": " + rows + "x" + cols + " does not match " + w.length + " values");
    }
    int groups =
        switch (granularity) {
          case PER_TENSOR -> 1;
          case PER_COLUMN -> cols;
          case PER_ROW -> rows;
        };
    float[] absMax = new float[groups];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float v = w[r * cols + c];
        if (!Float.isFinite(v)) {
          throw new HadronException.InvalidArgument(
              what + " holds a non-finite weight (" + v + ") at row " + r + ", column " + c);
        }
        int g = group(granularity, r, c);
        absMax[g] = Math.max(absMax[g], Math.abs(v));
      }
    }
    float[] scales = new float[groups];
    for (int g = 0; g < groups; g++) {
      // An all-zero group quantizes to zeros under any scale; 1 keeps the scale finite and normal.
      scales[g] = absMax[g] > 0 ? absMax[g] / limit : 1f;
    }
    byte[] q = new byte[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        // Divided, not multiplied by an inverse, so the rounding matches QuantizeLinear's.
        double v = Math.rint(w[i] / scales[group(granularity, r, c)]);
        q[i] = (byte) Math.max(-limit, Math.min(limit, v));
      }
    }
    return new Quantized(q, scales);
  }

  /** Dequantized value of element {@code i} of a matrix with {@code cols} columns. */
  static float dequantize(Quantized q, int i, int cols, Granularity granularity) {
    int g = group(granularity, i / cols, i % cols);
    return q.values()[i] * q.scales()[g];
  }

  private static int group(Granularity granularity, int r, int c) {
    return switch (granularity) {
      case PER_TENSOR -> 0;
      case PER_COLUMN -> c;
      case PER_ROW -> r;
    };
  }
}
