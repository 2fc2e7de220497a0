package io.hadron.quantization.optimize;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of {@link MagnitudePruner}; make with {@link #unstructured(double)} or {@link
 * #semiStructured24()} and refine with the {@code with} methods.
 *
 * <p>Immutable.
 *
 * @param sparsity for unstructured pruning, the fraction of each weight's elements set to zero, in
 *     [0, 1); 0.5 for 2:4
 * @param twoOfFour keep the two largest of every four consecutive weights along the reduction
 *     dimension (2:4 semi-structured sparsity) instead of the largest {@code 1 - sparsity} of the
 *     whole tensor
 * @param opTypes which ops' weights to prune: some of MatMul, Gemm, Conv
 * @param skipNodes names of nodes whose weights stay dense
 */
public record PruneOptions(
    double sparsity, boolean twoOfFour, Set<String> opTypes, Set<String> skipNodes) {

  /** The op types whose weights can be pruned. */
  public static final Set<String> OP_TYPES = Set.of("MatMul", "Gemm", "Conv");

  public PruneOptions {
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
    }
    if (twoOfFour && sparsity != 0.5) {
      throw new IllegalArgumentException("2:4 pruning has sparsity 0.5, got " + sparsity);
    }
    opTypes = Set.copyOf(opTypes);
    skipNodes = Set.copyOf(skipNodes);
    for (String op : opTypes) {
      if (!OP_TYPES.contains(op)) {
        throw new IllegalArgumentException(
            "opTypes: '" + op + "' is not prunable; expected some of " + new TreeSet<>(OP_TYPES));
      }
    }
  }

  /** Unstructured magnitude pruning of MatMul, Gemm and Conv weights to {@code sparsity}. */
  public static PruneOptions unstructured(double sparsity) {
    return new PruneOptions(sparsity, false, OP_TYPES, Set.of());
  }

  /** 2:4 semi-structured pruning of MatMul, Gemm and Conv weights. */
  public static PruneOptions semiStructured24() {
    return new PruneOptions(0.5, true, OP_TYPES, Set.of());
  }

  public PruneOptions withOpTypes(Collection<String> types) {
    return new PruneOptions(sparsity, twoOfFour, new TreeSet<>(types), skipNodes);
  }

  public PruneOptions withSkipNodes(Collection<String> names) {
    return new PruneOptions(sparsity, twoOfFour, opTypes, new TreeSet<>(names));
  }
}
