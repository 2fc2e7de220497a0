package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.accuracy.InputGenerator;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the steps of an {@link OptimizationSpec} in order: prune, then int8 or fp16.
 *
 * <p>Int8 with smoothing observes activations on sample inputs first: the caller's, or ones made
 * by {@link InputGenerator} from the model's input declarations with {@link #CALIBRATION}. If no
 * inputs can be made (a model with string inputs, say), int8 goes ahead without smoothing and the
 * step summary says so.
 *
 * <p>Stateless and thread-safe.
 */
public final class ModelOptimizer {
  /** Sample inputs for smoothing when the caller gives none: 8 single rows of 32 to 128 steps. */
  public static final InputGenerator.Settings CALIBRATION =
      new InputGenerator.Settings(8, 1, 32, 128, 0x5EEDL);

  /**
   * An optimized model and what each step did.
   *
   * <p>Immutable.
   *
   * @param model the optimized model
   * @param steps one summary line per step
   * @param elapsed time spent
   */
  public record Result(ModelProto model, List<String> steps, Duration elapsed) {
    public Result {
      steps = List.copyOf(steps);
    }
  }

  private ModelOptimizer() {}

  /**
   * Optimizes {@code model} as {@code spec} says.
   *
   * @param calibration sample inputs for activation smoothing; empty to generate them
   * @param threads intra-op threads for the ONNX Runtime sessions used on the way; 0 for its
   *     default
   * @throws HadronException.Unsupported if a step cannot handle the model (the message says which
   *     and why)
   */
  public static Result optimize(
      ModelProto model, OptimizationSpec spec, List<Map<String, Tensor>> calibration, int threads) {
    long start = System.nanoTime();
    List<String> steps = new ArrayList<>();
    ModelProto current = model;
    if (spec.prune().isPresent()) {
      Transformed t = MagnitudePruner.prune(current, spec.prune().get());
      current = t.model();
      steps.add(t.summary());
    }
    if (spec.int8().isPresent()) {
      Int8Options options = spec.int8().get();
      Map<String, float[]> maxima = Map.of();
      String note = "";
      Set<String> candidates = Int8Quantizer.smoothingCandidates(current, options);
      if (!candidates.isEmpty()) {
        try {
          List<Map<String, Tensor>> samples =
              calibration.isEmpty() ? InputGenerator.generate(current, CALIBRATION) : calibration;
          maxima = ActivationStats.channelMaxima(current, candidates, samples, threads);
          note = "; smoothing calibrated on " + samples.size() + " input sets";
        } catch (HadronException e) {
          note = "; no smoothing (" + e.getMessage() + ")";
        }
      }
      Transformed t = Int8Quantizer.quantize(current, options, maxima);
      current = t.model();
      steps.add(t.summary() + note);
    }
    if (spec.fp16().isPresent()) {
      Transformed t = Fp16Converter.convert(current, spec.fp16().get());
      current = t.model();
      steps.add(t.summary());
    }
    return new Result(current, steps, Duration.ofNanos(System.nanoTime() - start));
  }
}
