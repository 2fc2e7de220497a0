package io.hadron.quantization.optimize;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of {@link Fp16Converter}.
 *
 * <p>Immutable.
 *
 * @param keepIoTypes keep float32 graph inputs and outputs, with Casts at the boundary, so callers
 *     see the same interface; default true
 * @param blockOps op types kept in float32 (Casts around them); default {@link #DEFAULT_BLOCK_OPS}
 * @param blockNodes names of nodes kept in float32
 */
public record Fp16Options(boolean keepIoTypes, Set<String> blockOps, Set<String> blockNodes) {
  /**
   * Ops kept in float32 unless the caller says otherwise: the quantization ops (their scales are
   * float32 by definition in the opsets most models use), ops whose scale or size inputs must be
   * float32 (Resize, Upsample, RoiAlign), ops whose outputs are typed by an attribute rather than by
   * their inputs (the random generators), Range, whose start, limit and delta must agree with an
   * output type that later ops may not expect to change, and the reductions and powers of a
   * decomposed layer norm's variance: a mean of squares overflows float16 once |x| passes 256 and
   * loses digits as it sums. (Converting those also trips ONNX Runtime 1.24's CPU graph
   * optimizer, which fails to load such a model.)
   */
  public static final Set<String> DEFAULT_BLOCK_OPS =
      Set.of(
          "DynamicQuantizeLinear",
          "QuantizeLinear",
          "DequantizeLinear",
          "Resize",
          "Upsample",
          "RoiAlign",
          "NonMaxSuppression",
          "Range",
          "RandomNormal",
          "RandomNormalLike",
          "RandomUniform",
          "RandomUniformLike",
          "Multinomial",
          "Bernoulli",
          "Pow",
          "Sqrt",
          "ReduceMean",
          "ReduceSum",
          "ReduceSumSquare",
          "ReduceL2");

  public Fp16Options {
    blockOps = Set.copyOf(blockOps);
    blockNodes = Set.copyOf(blockNodes);
  }

  /** Float32 interface, the default block list, no blocked nodes. */
  public static Fp16Options defaults() {
    return new Fp16Options(true, DEFAULT_BLOCK_OPS, Set.of());
  }

  public Fp16Options withKeepIoTypes(boolean keep) {
    return new Fp16Options(keep, blockOps, blockNodes);
  }

  /** The default block list plus {@code ops}. */
  public Fp16Options withMoreBlockedOps(Collection<String> ops) {
    Set<String> all = new TreeSet<>(blockOps);
    all.addAll(ops);
    return new Fp16Options(keepIoTypes, all, blockNodes);
  }

  public Fp16Options withBlockedNodes(Collection<String> names) {
    return new Fp16Options(keepIoTypes, blockOps, new TreeSet<>(names));
  }
}
