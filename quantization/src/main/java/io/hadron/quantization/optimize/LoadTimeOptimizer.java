package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.quantization.accuracy.AccuracyChecker;
import io.hadron.quantization.accuracy.AccuracyReport;
import io.hadron.quantization.accuracy.InputGenerator;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.StringStringEntryProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Optimizes a model when a server loads it, and vouches for the result or refuses it.
 *
 * <p>The steps, for one model file and one spec ("int8", "fp16", "prune:0.5,int8", ...):
 *
 * <ol>
 *   <li>A cache key: SHA-256 over {@link #TOOL_VERSION}, the spec's canonical form, the model file
 *       and any external data files it refers to. Change any of them and the key changes.
 *   <li>{@code <cacheDir>/<key>.onnx} is reused if present and readable; otherwise the model is
 *       optimized (see {@link ModelOptimizer}) and written there through a temporary file and a
 *       rename, so a crash or a concurrent load never leaves a half-written model under that name.
 *       Two servers loading the same model at once both optimize and the second rename wins with
 *       identical content.
 *   <li>Both models run on the warm-up inputs (the caller's, or made by {@link InputGenerator} with
 *       {@link #WARMUP}) and are compared by {@link AccuracyChecker}. The check runs on every load,
 *       cached file or not: it is what lets the server vouch for the variant it serves.
 *   <li>The optimized file is served only if the worst mean cosine over the outputs is at least
 *       {@code minCosine}. Otherwise, or if anything on the way fails, the original is served and
 *       {@link Result#reason()} says why, for the model's status and log.
 * </ol>
 *
 * <p>An invalid spec or threshold is the caller's configuration error and throws; everything else
 * ends in a {@link Result}.
 *
 * <p>Stateless and thread-safe; concurrent calls on different models are independent.
 */
public final class LoadTimeOptimizer {
  /** Part of every cache key; raise it whenever a transform's output changes. */
  public static final String TOOL_VERSION = "hadron-optimize/1";

  /** The threshold when a configuration names none ({@code hadron.optimize.min_cosine}). */
  public static final double DEFAULT_MIN_COSINE = 0.99;

  /** Warm-up inputs when the caller gives none: 8 batches of 4 rows, 16 to 128 steps long. */
  public static final InputGenerator.Settings WARMUP =
      new InputGenerator.Settings(8, 4, 16, 128, 0xC0FFEEL);

  /** Which file the server should serve. */
  public enum Variant {
    ORIGINAL,
    OPTIMIZED
  }

  /**
   * The outcome of one load.
   *
   * <p>Immutable.
   *
   * @param variant which model to serve
   * @param modelPath the file to load: the original or the cached optimized one
   * @param spec the canonical spec that was asked for
   * @param cacheKey the content hash naming the cached file
   * @param cacheHit whether an optimized file from an earlier load was reused
   * @param accuracy the comparison on warm-up inputs, or null if it could not be made
   * @param steps what each optimization step did (empty on a cache hit)
   * @param reason one sentence for status and log: why this variant
   * @param elapsed time spent, optimization and check together
   */
  public record Result(
      Variant variant,
      Path modelPath,
      String spec,
      String cacheKey,
      boolean cacheHit,
      AccuracyReport accuracy,
      List<String> steps,
      String reason,
      Duration elapsed) {
    public Result {
      Objects.requireNonNull(variant, "variant");
      Objects.requireNonNull(modelPath, "modelPath");
      steps = List.copyOf(steps);
    }

    public boolean optimized() {
      return variant == Variant.OPTIMIZED;
    }
  }

  private LoadTimeOptimizer() {}

  /**
   * Optimizes {@code modelFile} as {@code spec} says, checks it on generated warm-up inputs, and
   * says which variant to serve.
   *
   * @throws HadronException.InvalidArgument if the spec does not parse or {@code minCosine} is not
   *     in [-1, 1]
   */
  public static Result optimize(Path modelFile, String spec, double minCosine, Path cacheDir) {
    return optimize(modelFile, spec, minCosine, cacheDir, List.of(), 0);
  }

  /**
   * As {@link #optimize(Path, String, double, Path)}, with the caller's warm-up inputs (used for
   * the accuracy check and for int8 calibration; empty to generate them) and a thread count for
   * the ONNX Runtime sessions it opens (0 for ONNX Runtime's default).
   */
  public static Result optimize(
      Path modelFile,
      String spec,
      double minCosine,
      Path cacheDir,
      List<Map<String, Tensor>> warmupInputs,
      int threads) {
    long start = System.nanoTime();
    OptimizationSpec parsed = OptimizationSpec.parse(spec);
    if (!(minCosine >= -1 && minCosine <= 1)) {
      throw new HadronException.InvalidArgument(
          "hadron.optimize.min_cosine must be in [-1, 1], got " + minCosine);
    }
    String canonical = parsed.canonical();
    String key;
    try {
      key = cacheKey(modelFile, canonical);
    } catch (HadronException e) {
      return refuse(modelFile, canonical, "", false, null, List.of(),
          "could not read the model to optimize it: " + e.getMessage(), start);
    }
    Path cached = cacheDir.resolve(key + ".onnx");
    boolean hit = Files.isRegularFile(cached) && readable(cached);
    List<String> steps = List.of();
    ModelProto original = null;
    try {
      if (!hit) {
        original = OnnxModels.readWithExternalData(modelFile);
        List<Map<String, Tensor>> calibration = warmupInputs;
        ModelOptimizer.Result r = ModelOptimizer.optimize(original, parsed, calibration, threads);
        steps = r.steps();
        Files.createDirectories(cacheDir);
        write(r.model(), cached);
      }
    } catch (HadronException | IOException e) {
      return refuse(modelFile, canonical, key, false, null, steps,
          "optimization failed: " + message(e), start);
    }
    AccuracyReport report;
    try {
      List<Map<String, Tensor>> inputs = warmupInputs;
      if (inputs.isEmpty()) {
        ModelProto forInputs = original != null ? original : OnnxModels.read(modelFile);
        inputs = InputGenerator.generate(forInputs, WARMUP);
      }
      report = AccuracyChecker.compare(modelFile, cached, inputs, threads);
    } catch (HadronException e) {
      return refuse(modelFile, canonical, key, hit, null, steps,
          "accuracy check failed: " + message(e), start);
    }
    double cosine = report.meanCosine();
    if (cosine >= minCosine) {
      String reason = String.format(Locale.ROOT,
          "serving the %s variant: mean cosine %.5f >= %.5f over %d warm-up input sets", canonical,
          cosine, minCosine, report.inputSets());
      return new Result(Variant.OPTIMIZED, cached, canonical, key, hit, report, steps, reason,
          Duration.ofNanos(System.nanoTime() - start));
    }
    String reason = String.format(Locale.ROOT,
        "serving the original: the %s variant's mean cosine %.5f is below %.5f over %d warm-up"
            + " input sets (max abs error %.4g)", canonical, cosine, minCosine,
        report.inputSets(), report.maxAbsError());
    return refuse(modelFile, canonical, key, hit, report, steps, reason, start);
  }

  /**
   * The cache key of a model file under a canonical spec: hex SHA-256 of the tool version, the
   * spec, the model bytes and the bytes of each external data file it names (in name order).
   *
   * @throws HadronException naming the file that cannot be read
   */
  public static String cacheKey(Path modelFile, String canonicalSpec) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new HadronException.Internal("SHA-256 is not available in this JVM", e);
    }
    sha.update((TOOL_VERSION + "\n" + canonicalSpec + "\n").getBytes(StandardCharsets.UTF_8));
    digest(sha, modelFile);
    ModelProto model = OnnxModels.read(modelFile);
    if (OnnxModels.hasExternalData(model)) {
      TreeSet<String> locations = new TreeSet<>();
      for (TensorProto t : model.getGraph().getInitializerList()) {
        for (StringStringEntryProto e : t.getExternalDataList()) {
          if (e.getKey().equals("location")) {
            locations.add(e.getValue());
          }
        }
      }
      Path dir = modelFile.toAbsolutePath().getParent();
      for (String location : locations) {
        sha.update(("\n" + location + "\n").getBytes(StandardCharsets.UTF_8));
        digest(sha, dir.resolve(location).normalize());
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void digest(MessageDigest sha, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new HadronException.Internal("cannot read " + file + " to hash it: " + e, e);
    }
  }

  private static void write(ModelProto model, Path file) {
    // Below protobuf's limit with room to spare the file stays self-contained.
    if (OnnxModels.tensorBytes(model) > (1L << 30) + (1L << 29)) {
      OnnxModels.writeWithExternalData(model, file, 1 << 10);
    } else {
      OnnxModels.write(model, file);
    }
  }

  private static boolean readable(Path file) {
    try {
      OnnxModels.read(file);
      return true;
    } catch (HadronException e) {
      return false; // a damaged cache entry is rebuilt
    }
  }

  private static Result refuse(
      Path original,
      String spec,
      String key,
      boolean hit,
      AccuracyReport report,
      List<String> steps,
      String reason,
      long start) {
    return new Result(Variant.ORIGINAL, original, spec, key, hit, report, steps, reason,
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
