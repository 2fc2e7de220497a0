package io.hadron.quantization.accuracy;

/**
 * How closely one output of an optimized model follows the original's.
 *
 * <p>Immutable.
 *
 * @param name the output's name
 * @param floating whether the output holds floating-point values; for integer outputs only
 *     {@code exactMatch} is meaningful and the cosine figures are NaN
 * @param vectors how many vectors the cosine figures average over (rows along the last axis,
 *     summed over all inputs)
 * @param maxAbsError the largest absolute difference of any element
 * @param meanCosine mean cosine similarity of corresponding vectors (the output's rows along its
 *     last axis; the whole output per input when it has rank 0 or 1)
 * @param minCosine the smallest of those cosines
 * @param exactMatch fraction of elements that are equal
 * @param top1Agreement for classifier-like outputs (rank 2, a batch of score vectors), the
 *     fraction of rows whose largest entry is at the same index; NaN for other outputs
 */
public record OutputAccuracy(
    String name,
    boolean floating,
    long vectors,
    double maxAbsError,
    double meanCosine,
    double minCosine,
    double exactMatch,
    double top1Agreement) {}
