package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What to do to a model, parsed from the short text form used on the command line and in model
 * configuration ({@code hadron.optimize}):
 *
 * <pre>
 *   spec  := step ("," step)*
 *   step  := "int8" [":" int8-option ("+" int8-option)*]
 *          | "fp16" [":" "fp16-io"]
 *          | "prune:" fraction          (unstructured, fraction in [0, 1), e.g. prune:0.5)
 *          | "prune:2:4"                (2:4 semi-structured)
 *   int8-option := "per-tensor" | "reduce-range" | "no-embeddings" | "no-smoothing" | "smooth-all"
 *                | "ort-dynamic-quantize-matmul" | "ort-matmul-integer-to-float"
 * </pre>
 *
 * <p>Pruning comes first if present (it works on float weights); int8 and fp16 exclude each other.
 * Examples: {@code int8}, {@code fp16}, {@code prune:0.5}, {@code prune:2:4,int8}.
 *
 * <p>Immutable.
 */
public record OptimizationSpec(
    Optional<PruneOptions> prune, Optional<Int8Options> int8, Optional<Fp16Options> fp16) {

  public OptimizationSpec {
    if (prune.isEmpty() && int8.isEmpty() && fp16.isEmpty()) {
      throw new IllegalArgumentException("an optimization spec needs at least one step");
    }
    if (int8.isPresent() && fp16.isPresent()) {
      throw new IllegalArgumentException("int8 and fp16 cannot be combined");
    }
  }

  /**
   * Parses the text form.
   *
   * @throws HadronException.InvalidArgument naming the step that is wrong and why
   */
  public static OptimizationSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new HadronException.InvalidArgument(
          "optimization spec is empty; expected e.g. int8, fp16, prune:0.5 or prune:2:4,int8");
    }
    PruneOptions prune = null;
    Int8Options int8 = null;
    Fp16Options fp16 = null;
    int position = 0;
    for (String raw : text.split(",", -1)) {
      String step = raw.trim().toLowerCase(Locale.ROOT);
      if (step.startsWith("prune:")) {
        if (prune != null || position > 0) {
          throw invalid(text, step, "pruning must be the first step, and only one");
        }
        prune = parsePrune(text, step);
      } else if (step.equals("int8") || step.startsWith("int8:")) {
        if (int8 != null || fp16 != null) {
          throw invalid(text, step, "int8 may appear once and not together with fp16");
        }
        int8 = parseInt8(text, step);
      } else if (step.equals("fp16") || step.startsWith("fp16:")) {
        if (fp16 != null || int8 != null) {
          throw invalid(text, step, "fp16 may appear once and not together with int8");
        }
        fp16 = parseFp16(text, step);
      } else {
        throw invalid(text, step, "unknown step; expected int8, fp16, prune:<fraction> or prune:2:4");
      }
      position++;
    }
    return new OptimizationSpec(
        Optional.ofNullable(prune), Optional.ofNullable(int8), Optional.ofNullable(fp16));
  }

  /** The canonical text form: the same for equal specs, part of every cache key. */
  public String canonical() {
    List<String> steps = new ArrayList<>();
    prune.ifPresent(
        p ->
            steps.add(
                "prune:" + (p.twoOfFour() ? "2:4" : Double.toString(p.sparsity()))
                    + (p.opTypes().equals(PruneOptions.OP_TYPES) ? "" : ";ops=" + sorted(p.opTypes()))
                    + (p.skipNodes().isEmpty() ? "" : ";skip=" + sorted(p.skipNodes()))));
    int8.ifPresent(
        o ->
            steps.add(
                "int8(" + (o.perChannel() ? "per-channel" : "per-tensor")
                    + (o.reduceRange() ? ",reduce-range" : "")
                    + (o.quantizeEmbeddings() ? "" : ",no-embeddings")
                    + (o.smoothing()
                        ? ",smoothing=" + o.smoothingAlpha() + "/" + o.smoothingMinWidening()
                        : ",no-smoothing")
                    + "," + o.kernel()
                    + (o.skipNodes().isEmpty() ? "" : ",skip=" + sorted(o.skipNodes()))
                    + (o.skipOpTypes().isEmpty() ? "" : ",skip-ops=" + sorted(o.skipOpTypes()))
                    + ")"));
    fp16.ifPresent(
        f ->
            steps.add(
                "fp16(" + (f.keepIoTypes() ? "fp32-io" : "fp16-io") + ",block="
                    + sorted(f.blockOps())
                    + (f.blockNodes().isEmpty() ? "" : ",nodes=" + sorted(f.blockNodes())) + ")"));
    return String.join(",", steps);
  }

  /** The same spec with int8's options replaced (for command-line refinements). */
  public OptimizationSpec withInt8(Int8Options options) {
    return new OptimizationSpec(prune, Optional.of(options), fp16);
  }

  public OptimizationSpec withFp16(Fp16Options options) {
    return new OptimizationSpec(prune, int8, Optional.of(options));
  }

  public OptimizationSpec withPrune(PruneOptions options) {
    return new OptimizationSpec(Optional.of(options), int8, fp16);
  }

  private static PruneOptions parsePrune(String text, String step) {
    String arg = step.substring("prune:".length());
    if (arg.equals("2:4")) {
      return PruneOptions.semiStructured24();
    }
    double sparsity;
    try {
      sparsity = Double.parseDouble(arg);
    } catch (NumberFormatException e) {
      throw invalid(text, step, "expected a fraction in [0, 1) or 2:4 after prune:");
    }
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw invalid(text, step, "sparsity must be in [0, 1), got " + arg);
    }
    return PruneOptions.unstructured(sparsity);
  }

  private static Int8Options parseInt8(String text, String step) {
    Int8Options.Builder b = Int8Options.builder();
    if (step.startsWith("int8:")) {
      for (String option : step.substring("int8:".length()).split("\\+", -1)) {
        switch (option) {
          case "per-tensor" -> b.perChannel(false);
          case "reduce-range" -> b.reduceRange(true);
          case "no-embeddings" -> b.quantizeEmbeddings(false);
          case "no-smoothing" -> b.smoothing(false);
          case "smooth-all" -> b.smoothingMinWidening(0);
          case "ort-dynamic-quantize-matmul" -> b.kernel(Int8Kernel.ORT_DYNAMIC_QUANTIZE_MATMUL);
          case "ort-matmul-integer-to-float" -> b.kernel(Int8Kernel.ORT_MATMUL_INTEGER_TO_FLOAT);
          default ->
              throw invalid(text, step, "unknown int8 option '" + option + "'; expected"
                  + " per-tensor, reduce-range, no-embeddings, no-smoothing, smooth-all,"
                  + " ort-dynamic-quantize-matmul or ort-matmul-integer-to-float");
        }
      }
    }
    return b.build();
  }

  private static Fp16Options parseFp16(String text, String step) {
    if (step.equals("fp16")) {
      return Fp16Options.defaults();
    }
    if (step.equals("fp16:fp16-io")) {
      return Fp16Options.defaults().withKeepIoTypes(false);
    }
    throw invalid(text, step, "unknown fp16 option; expected fp16 or fp16:fp16-io");
  }

  private static HadronException.InvalidArgument invalid(String text, String step, String why) {
    return new HadronException.InvalidArgument(
        "optimization spec '" + text + "': step '" + step + "': " + why);
  }

  private static String sorted(java.util.Set<String> names) {
    return String.join("|", new java.util.TreeSet<>(names));
  }
}
