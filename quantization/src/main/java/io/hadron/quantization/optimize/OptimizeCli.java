package io.hadron.quantization.optimize;

import io.hadron.core.HadronException;
import io.hadron.quantization.accuracy.AccuracyChecker;
import io.hadron.quantization.accuracy.AccuracyReport;
import io.hadron.quantization.accuracy.InputGenerator;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code hadron-optimize} command: optimize an ONNX file and report size, time and accuracy.
 *
 * <pre>
 * java -jar quantization/target/hadron-optimize.jar --in a.onnx --out b.onnx --mode int8
 *     [--skip-nodes n1,n2] [--skip-ops Gemm,Gather] [--fp16-block Softmax,...]
 *     [--samples 16] [--batch 4] [--seq 128] [--threads 0] [--min-cosine 0.99] [--no-check]
 * </pre>
 *
 * <p>{@code --mode} takes an {@link OptimizationSpec} ({@code int8}, {@code fp16}, {@code
 * prune:0.5}, {@code prune:2:4,int8}, ...). Exit status: 0 done, 1 failed, 2 bad arguments, 3
 * written but below {@code --min-cosine}.
 *
 * <p>Not thread-safe; runs once per process.
 */
public final class OptimizeCli {
  private static final String USAGE =
      """
      usage: hadron-optimize --in MODEL.onnx --out OUT.onnx --mode SPEC [options]
        --mode SPEC          int8 | fp16 | prune:FRACTION | prune:2:4, joined with commas
                             (prune first), e.g. prune:0.5,int8; int8 options after a colon,
                             joined with '+': per-tensor, reduce-range, no-embeddings,
                             no-smoothing, smooth-all, ort-dynamic-quantize-matmul,
                             ort-matmul-integer-to-float; fp16:fp16-io drops the float32 interface
        --skip-nodes A,B     node names to leave alone (int8 and prune)
        --skip-ops A,B       op types to leave in float (int8: MatMul, Gemm, Gather)
        --fp16-block A,B     more op types to keep in float32 (fp16)
        --samples N          input sets for the accuracy report (default 16)
        --batch N            rows per generated input set (default 4)
        --seq N              longest generated sequence (default 128)
        --threads N          ONNX Runtime intra-op threads (default 0: its choice)
        --min-cosine X       exit with status 3 if the mean cosine is below X
        --no-check           skip the accuracy report
      """;

  private OptimizeCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> opts;
    try {
      opts = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("hadron-optimize: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (opts.containsKey("help")) {
      out.print(USAGE);
      return 0;
    }
    try {
      Path in = Path.of(require(opts, "in"));
      Path outFile = Path.of(require(opts, "out"));
      OptimizationSpec spec = refine(OptimizationSpec.parse(require(opts, "mode")), opts);
      int threads = intOption(opts, "threads", 0);

      ModelProto model = OnnxModels.readWithExternalData(in);
      ModelOptimizer.Result result = ModelOptimizer.optimize(model, spec, List.of(), threads);
      if (OnnxModels.tensorBytes(result.model()) > (1L << 30) + (1L << 29)) {
        OnnxModels.writeWithExternalData(result.model(), outFile, 1 << 10);
      } else {
        OnnxModels.write(result.model(), outFile);
      }
      long inSize = Files.size(in);
      long outSize = Files.size(outFile);
      out.printf(Locale.ROOT, "spec      %s%n", spec.canonical());
      result.steps().forEach(s -> out.printf(Locale.ROOT, "step      %s%n", s));
      out.printf(Locale.ROOT, "size      %,d -> %,d bytes (%.3fx)%n", inSize, outSize,
          (double) outSize / inSize);
      out.printf(Locale.ROOT, "time      %.2f s%n", result.elapsed().toNanos() / 1e9);
      if (opts.containsKey("no-check")) {
        return 0;
      }
      InputGenerator.Settings settings =
          new InputGenerator.Settings(intOption(opts, "samples", 16), intOption(opts, "batch", 4),
              Math.min(16, intOption(opts, "seq", 128)), intOption(opts, "seq", 128), 0xC0FFEEL);
      AccuracyReport report =
          AccuracyChecker.compare(in, outFile, InputGenerator.generate(model, settings), threads);
      out.print(report.format());
      if (opts.containsKey("min-cosine")) {
        double min = Double.parseDouble(opts.get("min-cosine"));
        if (!(report.meanCosine() >= min)) {
          err.printf(Locale.ROOT, "hadron-optimize: mean cosine %.5f is below %.5f%n",
              report.meanCosine(), min);
          return 3;
        }
      }
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("hadron-optimize: " + e.getMessage());
      return 2;
    } catch (HadronException.InvalidArgument e) {
      err.println("hadron-optimize: " + e.getMessage());
      return 2;
    } catch (HadronException | java.io.IOException e) {
      err.println("hadron-optimize: " + e.getMessage());
      return 1;
    }
  }

  private static OptimizationSpec refine(OptimizationSpec spec, Map<String, String> opts) {
    List<String> skipNodes = list(opts, "skip-nodes");
    List<String> skipOps = list(opts, "skip-ops");
    List<String> block = list(opts, "fp16-block");
    if (spec.int8().isPresent()) {
      Int8Options o = spec.int8().get();
      spec =
          spec.withInt8(
              new Int8Options(o.perChannel(), o.reduceRange(), o.quantizeEmbeddings(),
                  o.smoothing(), o.smoothingAlpha(), o.smoothingMinWidening(), o.kernel(),
                  union(o.skipNodes(), skipNodes), union(o.skipOpTypes(), skipOps)));
    }
    if (spec.prune().isPresent() && !skipNodes.isEmpty()) {
      spec = spec.withPrune(spec.prune().get().withSkipNodes(skipNodes));
    }
    if (spec.fp16().isPresent() && !block.isEmpty()) {
      spec = spec.withFp16(spec.fp16().get().withMoreBlockedOps(block));
    }
    return spec;
  }

  private static java.util.Set<String> union(java.util.Set<String> a, List<String> b) {
    java.util.Set<String> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    List<String> flags = List.of("no-check", "help");
    List<String> valued = List.of("in", "out", "mode", "skip-nodes", "skip-ops", "fp16-block",
        "samples", "batch", "seq", "threads", "min-cosine");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        opts.put(name, "true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--" + name + " needs a value");
          }
          value = args[++i];
        }
        opts.put(name, value);
      } else {
        throw new IllegalArgumentException("unknown option --" + name);
      }
    }
    return opts;
  }

  private static String require(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  private static int intOption(Map<String, String> opts, String name, int fallback) {
    String v = opts.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a non-negative integer, got " + v);
    }
  }

  private static List<String> list(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return new ArrayList<>(Arrays.stream(v.split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList());
  }
}
