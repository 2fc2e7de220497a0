package io.hadron.core;

import java.util.Arrays;

/** Shape arithmetic shared by every module. Stateless. */
public final class Shapes {
  private Shapes() {}

  /** The dimension value that stands for "any size" in model metadata and configuration. */
  public static final long DYNAMIC = -1;

  /**
   * Number of elements of a concrete shape.
   *
   * @throws HadronException.InvalidArgument if a dimension is negative or the count overflows
   */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new HadronException.InvalidArgument(
            "shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new HadronException.InvalidArgument("shape " + Arrays.toString(shape) + " is too large");
      }
    }
    return n;
  }

  /**
   * True when a concrete shape matches a declared one, where {@link #DYNAMIC} in the declaration
   * matches any size.
   */
  public static boolean matches(long[] declared, long[] actual) {
    if (declared.length != actual.length) {
      return false;
    }
    for (int i = 0; i < declared.length; i++) {
      if (declared[i] != DYNAMIC && declared[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** The shape as the protocol prints it, e.g. {@code [1,16]}. */
  public static String format(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }
}
