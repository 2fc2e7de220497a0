package io.hadron.quantization.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.quantization.accuracy.AccuracyChecker;
import io.hadron.quantization.accuracy.AccuracyReport;
import io.hadron.quantization.accuracy.InputGenerator;
import io.hadron.quantization.onnx.OnnxModels;
import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.optimize.ModelOptimizer;
import io.hadron.quantization.optimize.OptimizationSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Measures Hadron's optimizations on all-MiniLM-L6-v2 (sequence length 128) beside the published
 * pre-quantized {@code -q} model: file sizes, accuracy against fp32 over 200 inputs, ONNX Runtime
 * CPU throughput at batch 1 and 8 (same session options and threads for every model, rounds
 * interleaved so that load from other processes hits all models alike; medians reported), the
 * FP16 figures and the pruning table (accuracy and gzip size of the pruned weights).
 *
 * <p>Question it answers: does our int8 file meet the targets (at most 0.27x the fp32 size, mean
 * per-token cosine at least 0.99, throughput at least the {@code -q} model's), and what do fp16
 * and pruning cost in accuracy?
 *
 * <p>Validation inputs are text-like: [CLS] (101), 126 word-piece ids drawn log-uniformly from the
 * BERT vocabulary's word range [1996, 30522) (that vocabulary is ordered by frequency, so this
 * favors common words as text does), [SEP] (102); attention mask all 1, token types 0. Cosine is
 * per token (each 384-vector of last_hidden_state), averaged over all tokens of all inputs. The
 * same comparison on inputs from the library's generic {@link InputGenerator} is printed too.
 *
 * <p>Run (about two minutes on two cores):
 *
 * <pre>
 * ./mvnw -q -B -pl quantization -Pbench test-compile \
 *     org.codehaus.mojo:exec-maven-plugin:3.5.0:java [-Dexec.args="THREADS ROUNDS"]
 * </pre>
 *
 * <p>Not thread-safe; a one-shot program.
 */
public final class MiniLmBenchmark {
  private static final int SEQ = 128;
  private static final int VALIDATION = 200;
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private MiniLmBenchmark() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Path dir = Files.createTempDirectory("hadron-minilm-bench");
    Path fp32 = extract("/all-minilm-l6-v2.onnx", dir);
    Path published = extract("/all-minilm-l6-v2-q.onnx", dir);
    ModelProto original = OnnxModels.read(fp32);

    Map<String, Path> models = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    models.put("fp32", fp32);
    models.put("-q (published)", published);
    String[][] variants = {
      {"ours int8", "int8"},
      {"ours int8, no smoothing", "int8:no-smoothing"},
      {"ours int8, DynamicQuantizeMatMul", "int8:ort-dynamic-quantize-matmul"},
      {"ours int8, MatMulIntegerToFloat", "int8:ort-matmul-integer-to-float"},
      {"ours fp16", "fp16"},
      {"prune 30%", "prune:0.3"},
      {"prune 50%", "prune:0.5"},
      {"prune 70%", "prune:0.7"},
      {"prune 2:4", "prune:2:4"},
      {"prune 50% + int8", "prune:0.5,int8"},
      {"prune 2:4 + int8", "prune:2:4,int8"},
    };
    for (String[] v : variants) {
      ModelOptimizer.Result r =
          ModelOptimizer.optimize(original, OptimizationSpec.parse(v[1]), List.of(), threads);
      Path out = dir.resolve(v[1].replaceAll("[^a-z0-9]", "_") + ".onnx");
      OnnxModels.write(r.model(), out);
      models.put(v[0], out);
      seconds.put(v[0], r.elapsed().toNanos() / 1e9);
    }

    List<Map<String, Tensor>> text = textLike(VALIDATION, 11);
    List<Map<String, Tensor>> generated =
        InputGenerator.generate(original, new InputGenerator.Settings(VALIDATION, 1, SEQ, SEQ, 13));
    long fp32Size = Files.size(fp32);
    System.out.printf(Locale.ROOT, "%n## Size and accuracy vs fp32 (%d inputs, seq %d, per-token"
        + " cosine)%n%n", VALIDATION, SEQ);
    System.out.println("| model | file bytes | x fp32 | optimize s | mean cos (text-like) | min cos"
        + " | max abs err | mean cos (generated) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, Path> e : models.entrySet()) {
      if (e.getKey().equals("fp32")) {
        continue;
      }
      AccuracyReport a = AccuracyChecker.compare(fp32, e.getValue(), text, threads);
      AccuracyReport g = AccuracyChecker.compare(fp32, e.getValue(), generated, threads);
      long size = Files.size(e.getValue());
      System.out.printf(Locale.ROOT, "| %s | %,d | %.3f | %s | %.5f | %.4f | %.3f | %.5f |%n",
          e.getKey(), size, (double) size / fp32Size,
          seconds.containsKey(e.getKey()) ? String.format(Locale.ROOT, "%.1f", seconds.get(e.getKey())) : "-",
          a.meanCosine(), a.outputs().get(0).minCosine(), a.maxAbsError(), g.meanCosine());
    }

    System.out.printf(Locale.ROOT, "%n## Pruned weights, gzip (MatMul weights only, fp32)%n%n");
    System.out.println("| model | weight bytes | gzip bytes | gzip ratio |");
    System.out.println("|---|---:|---:|---:|");
    for (String name : List.of("fp32", "prune 30%", "prune 50%", "prune 70%", "prune 2:4")) {
      long[] g = gzipOfMatMulWeights(OnnxModels.read(models.get(name)));
      System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %.3f |%n", name, g[0], g[1],
          (double) g[1] / g[0]);
    }

    List<String> timed = List.of("fp32", "-q (published)", "ours int8",
        "ours int8, no smoothing", "ours int8, DynamicQuantizeMatMul",
        "ours int8, MatMulIntegerToFloat");
    for (int batch : new int[] {1, 8}) {
      double[] medians = throughput(models, timed, batch, threads, rounds);
      System.out.printf(Locale.ROOT, "%n## ONNX Runtime CPU throughput, batch %d, seq %d, %d"
          + " intra-op threads, median of %d interleaved rounds%n%n", batch, SEQ, threads, rounds);
      System.out.println("| model | ms per batch | sequences/s | x -q |");
      System.out.println("|---|---:|---:|---:|");
      for (int i = 0; i < timed.size(); i++) {
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f | %.3f |%n", timed.get(i), medians[i],
            batch * 1000 / medians[i], medians[1] / medians[i]);
      }
    }
  }

  /** Median ms per run of each model, measured in interleaved rounds. */
  private static double[] throughput(
      Map<String, Path> models, List<String> names, int batch, int threads, int rounds)
      throws Exception {
    List<OrtSession> sessions = new ArrayList<>();
    Map<String, Tensor> input = textLike(batch, 17 + batch).get(0);
    Map<String, OnnxTensor> feed = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : input.entrySet()) {
        long[] v = new long[(int) e.getValue().elementCount()];
        e.getValue().data().asLongBuffer().get(v);
        feed.put(e.getKey(), OnnxTensor.createTensor(ENV,
            java.nio.LongBuffer.wrap(v), e.getValue().shape()));
      }
      for (String n : names) {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        OrtSession s = ENV.createSession(models.get(n).toString(), o);
        for (int i = 0; i < 5; i++) {
          s.run(feed).close();
        }
        sessions.add(s);
      }
      int per = Math.max(3, 40 / batch);
      double[][] ms = new double[names.size()][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < sessions.size(); k++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < per; i++) {
            sessions.get(k).run(feed).close();
          }
          ms[k][r] = (System.nanoTime() - t0) / 1e6 / per;
        }
      }
      double[] medians = new double[names.size()];
      for (int k = 0; k < names.size(); k++) {
        double[] sorted = ms[k].clone();
        Arrays.sort(sorted);
        medians[k] = sorted[rounds / 2];
      }
      return medians;
    } finally {
      for (OrtSession s : sessions) {
        s.close();
      }
      feed.values().forEach(OnnxTensor::close);
    }
  }

  /** {total bytes, gzip bytes} of the fp32 MatMul weights of the model. */
  private static long[] gzipOfMatMulWeights(ModelProto model) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    long raw = 0;
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      for (TensorProto t : model.getGraph().getInitializerList()) {
        if (t.getName().startsWith("onnx::MatMul_") && t.getDataType() == 1) {
          byte[] b = t.getRawData().toByteArray();
          raw += b.length;
          out.write(b);
        }
      }
    }
    return new long[] {raw, gz.size()};
  }

  /** Text-like input sets of one row each (or one set of {@code rows} rows when asked once). */
  static List<Map<String, Tensor>> textLike(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Map<String, Tensor>> sets = new ArrayList<>();
    int rows = count <= 8 ? count : 1;
    int sets1 = count <= 8 ? 1 : count;
    for (int s = 0; s < sets1; s++) {
      long[] ids = new long[rows * SEQ];
      for (int r = 0; r < rows; r++) {
        for (int t = 0; t < SEQ; t++) {
          long id;
          if (t == 0) {
            id = 101;
          } else if (t == SEQ - 1) {
            id = 102;
          } else {
            double span = 30522 - 1996;
            id = 1996 + Math.min(30521 - 1996,
                (long) Math.floor(Math.exp(random.nextDouble() * Math.log(span + 1))) - 1);
          }
          ids[r * SEQ + t] = id;
        }
      }
      long[] mask = new long[rows * SEQ];
      Arrays.fill(mask, 1);
      Map<String, Tensor> set = new LinkedHashMap<>();
      set.put("input_ids", longs("input_ids", rows, ids));
      set.put("attention_mask", longs("attention_mask", rows, mask));
      set.put("token_type_ids", longs("token_type_ids", rows, new long[rows * SEQ]));
      sets.add(set);
    }
    return sets;
  }

  private static Tensor longs(String name, int rows, long[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(v);
    return new Tensor(name, DataType.INT64, new long[] {rows, SEQ}, b);
  }

  private static Path extract(String resource, Path dir) throws IOException {
    try (InputStream in = MiniLmBenchmark.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the test class path");
      }
      Path out = dir.resolve(resource.substring(1));
      Files.copy(in, out);
      return out;
    }
  }
}
