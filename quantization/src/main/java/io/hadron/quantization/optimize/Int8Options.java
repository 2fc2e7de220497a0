package io.hadron.quantization.optimize;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of {@link Int8Quantizer}; build with {@link #builder()}.
 *
 * <p>Immutable.
 *
 * @param perChannel one weight scale per output column (per row for embedding tables) instead of
 *     one per tensor; default true
 * @param reduceRange weights in [-63, 63] instead of [-127, 127], for CPUs whose int8 kernels can
 *     saturate at full range (x86 with AVX2 and without VNNI); default false
 * @param quantizeEmbeddings also store Gather tables (embeddings) as int8, dequantized row by row
 *     after the lookup; default true
 * @param smoothing rescale activations with outlier channels before feed-forward expansions, from
 *     maxima observed on sample inputs (see {@link ActivationSmoothing}); default true
 * @param smoothingAlpha how much of an activation's range smoothing moves into the weights, in
 *     (0, 1); default 0.75
 * @param smoothingMinWidening smooth an activation only if the products reading it have at least
 *     this many output columns per input channel in total, since the smoothing Mul is a pass over
 *     the activation; default {@value ActivationSmoothing#MIN_WIDENING}, 0 smooths wherever there
 *     are outliers
 * @param kernel which operators carry the int8 product
 * @param skipNodes names of nodes to leave in float
 * @param skipOpTypes op types to leave in float ("MatMul", "Gemm", "Gather")
 */
public record Int8Options(
    boolean perChannel,
    boolean reduceRange,
    boolean quantizeEmbeddings,
    boolean smoothing,
    double smoothingAlpha,
    double smoothingMinWidening,
    Int8Kernel kernel,
    Set<String> skipNodes,
    Set<String> skipOpTypes) {

  /** The op types this quantizer rewrites. */
  public static final Set<String> OP_TYPES = Set.of("MatMul", "Gemm", "Gather");

  public Int8Options {
    skipNodes = Set.copyOf(skipNodes);
    skipOpTypes = Set.copyOf(skipOpTypes);
    for (String op : skipOpTypes) {
      if (!OP_TYPES.contains(op)) {
        throw new IllegalArgumentException(
            "skipOpTypes: '" + op + "' is not an op type int8 quantization rewrites; expected some"
                + " of " + new TreeSet<>(OP_TYPES));
      }
    }
    if (!(smoothingAlpha > 0 && smoothingAlpha < 1)) {
      throw new IllegalArgumentException(
          "smoothingAlpha must be in (0, 1), got " + smoothingAlpha);
    }
    if (!(smoothingMinWidening >= 0)) {
      throw new IllegalArgumentException(
          "smoothingMinWidening must be >= 0, got " + smoothingMinWidening);
    }
    if (kernel == null) {
      throw new IllegalArgumentException("kernel must be set");
    }
  }

  /**
   * The defaults: per-channel, full range, embeddings included, smoothing at alpha 0.75, standard
   * ONNX operators.
   */
  public static Int8Options defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Int8Options}; not thread-safe. */
  public static final class Builder {
    private boolean perChannel = true;
    private boolean reduceRange;
    private boolean quantizeEmbeddings = true;
    private boolean smoothing = true;
    private double smoothingAlpha = 0.75;
    private double smoothingMinWidening = ActivationSmoothing.MIN_WIDENING;
    private Int8Kernel kernel = Int8Kernel.ONNX_OPS;
    private final Set<String> skipNodes = new TreeSet<>();
    private final Set<String> skipOpTypes = new TreeSet<>();

    private Builder() {}

    public Builder perChannel(boolean value) {
      this.perChannel = value;
      return this;
    }

    public Builder reduceRange(boolean value) {
      this.reduceRange = value;
      return this;
    }

    public Builder quantizeEmbeddings(boolean value) {
      this.quantizeEmbeddings = value;
      return this;
    }

    public Builder smoothing(boolean value) {
      this.smoothing = value;
      return this;
    }

    public Builder smoothingAlpha(double value) {
      this.smoothingAlpha = value;
      return this;
    }

    public Builder smoothingMinWidening(double value) {
      this.smoothingMinWidening = value;
      return this;
    }

    public Builder kernel(Int8Kernel value) {
      this.kernel = value;
      return this;
    }

    public Builder skipNodes(Collection<String> names) {
      skipNodes.addAll(names);
      return this;
    }

    public Builder skipOpTypes(Collection<String> opTypes) {
      skipOpTypes.addAll(opTypes);
      return this;
    }

    public Int8Options build() {
      return new Int8Options(
          perChannel,
          reduceRange,
          quantizeEmbeddings,
          smoothing,
          smoothingAlpha,
          smoothingMinWidening,
          kernel,
          skipNodes,
          skipOpTypes);
    }
  }
}
