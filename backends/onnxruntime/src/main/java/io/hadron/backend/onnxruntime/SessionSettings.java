package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.Placement;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The session options a model's configuration asks for, parsed and checked once per load.
 *
 * <p>Configuration parameters read (string values):
 *
 * <ul>
 *   <li>{@code intra_op_thread_count}, {@code inter_op_thread_count}: Triton's keys; 0 lets ONNX
 *       Runtime decide. Absent, the server-wide {@link BackendOptions} apply.
 *   <li>{@code hadron.graph_optimization_level}: {@code disable}, {@code basic}, {@code extended},
 *       {@code layout} or {@code all} (default).
 *   <li>{@code hadron.preallocate_outputs}: {@code true} (default) or {@code false}; see
 *       {@link OrtModelInstance} for what preallocation does.
 *   <li>{@code hadron.ort_config.<key>}: passed to ONNX Runtime as session configuration entry
 *       {@code <key>}, e.g. {@code hadron.ort_config.session.intra_op.allow_spinning = 0}.
 *   <li>{@code hadron.cuda.<key>}: passed to the CUDA execution provider as option {@code <key>}
 *       on GPU instances, e.g. {@code hadron.cuda.gpu_mem_limit} and {@code
 *       hadron.cuda.arena_extend_strategy}, which the server sets from the model's memory budget.
 * </ul>
 *
 * <p>Immutable.
 */
record SessionSettings(
    int intraOpThreads,
    int interOpThreads,
    OptLevel optimization,
    boolean preallocateOutputs,
    Map<String, String> ortConfig,
    Map<String, String> cudaOptions) {
  static final String INTRA_OP_THREADS = "intra_op_thread_count";
  static final String INTER_OP_THREADS = "inter_op_thread_count";
  static final String OPTIMIZATION_LEVEL = "hadron.graph_optimization_level";
  static final String PREALLOCATE_OUTPUTS = "hadron.preallocate_outputs";
  static final String ORT_CONFIG_PREFIX = "hadron.ort_config.";
  static final String CUDA_PREFIX = "hadron.cuda.";

  private static final Map<String, OptLevel> LEVELS = Map.of(
      "disable", OptLevel.NO_OPT,
      "basic", OptLevel.BASIC_OPT,
      "extended", OptLevel.EXTENDED_OPT,
      "layout", OptLevel.LAYOUT_OPT,
      "all", OptLevel.ALL_OPT);

  SessionSettings {
    ortConfig = Map.copyOf(ortConfig);
    cudaOptions = Map.copyOf(cudaOptions);
  }

  /**
   * Reads the settings of one model.
   *
   * @throws HadronException.InvalidArgument naming the parameter and its value
   */
  static SessionSettings of(ModelConfig config, BackendOptions options) {
    String model = config.name();
    int intra = threads(model, config, INTRA_OP_THREADS, options.intraOpThreads());
    int inter = threads(model, config, INTER_OP_THREADS, options.interOpThreads());
    String levelName = config.parameter(OPTIMIZATION_LEVEL).orElse("all").trim().toLowerCase(Locale.ROOT);
    OptLevel level = LEVELS.get(levelName);
    if (level == null) {
      throw invalid(model, OPTIMIZATION_LEVEL, levelName, "one of " + new TreeMap<>(LEVELS).keySet());
    }
    String pre = config.parameter(PREALLOCATE_OUTPUTS).orElse("true").trim().toLowerCase(Locale.ROOT);
    if (!pre.equals("true") && !pre.equals("false")) {
      throw invalid(model, PREALLOCATE_OUTPUTS, pre, "true or false");
    }
    return new SessionSettings(intra, inter, level, pre.equals("true"), prefixed(config, ORT_CONFIG_PREFIX),
        prefixed(config, CUDA_PREFIX));
  }

  /** The parameters under a prefix, keyed by the rest of their name. */
  private static Map<String, String> prefixed(ModelConfig config, String prefix) {
    Map<String, String> entries = new TreeMap<>();
    config.parameters().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        String key = k.substring(prefix.length());
        if (key.isEmpty()) {
          throw invalid(config.name(), k, v, "a key after the prefix");
        }
        entries.put(key, v);
      }
    });
    return entries;
  }

  /** Options for one session; the caller closes them once the session exists. */
  SessionOptions toOptions(Placement placement) throws OrtException {
    SessionOptions o = new SessionOptions();
    try {
      o.setOptimizationLevel(optimization);
      if (intraOpThreads > 0) {
        o.setIntraOpNumThreads(intraOpThreads);
      }
      if (interOpThreads > 0) {
        o.setInterOpNumThreads(interOpThreads);
      }
      for (Map.Entry<String, String> e : ortConfig.entrySet()) {
        o.addConfigEntry(e.getKey(), e.getValue());
      }
      if (placement.isGpu()) {
        if (cudaOptions.isEmpty()) {
          o.addCUDA(placement.gpu());
        } else {
          OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(placement.gpu());
          try {
            for (Map.Entry<String, String> e : cudaOptions.entrySet()) {
              cuda.add(e.getKey(), e.getValue());
            }
            o.addCUDA(cuda);
          } finally {
            cuda.close();
          }
        }
      }
      return o;
    } catch (OrtException | RuntimeException e) {
      o.close();
      throw e;
    }
  }

  /** Options for reading a model's signature: no optimization, no thread pool to speak of. */
  static SessionOptions forMetadata() throws OrtException {
    SessionOptions o = new SessionOptions();
    try {
      o.setOptimizationLevel(OptLevel.NO_OPT);
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      return o;
    } catch (OrtException | RuntimeException e) {
      o.close();
      throw e;
    }
  }

  private static int threads(String model, ModelConfig config, String key, int fallback) {
    String raw = config.parameter(key).orElse(null);
    if (raw == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the accepted range
    }
    throw invalid(model, key, raw, "an integer >= 0 (0 lets ONNX Runtime decide)");
  }

  private static HadronException invalid(String model, String key, String value, String expected) {
    return new HadronException.InvalidArgument(
        "model '" + model + "': parameter '" + key + "' is '" + value + "'; expected " + expected);
  }
}
