package io.hadron.loadtests.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * The model repository load tests run against: the bundled models as they ship, plus a copy of
 * MiniLM with a bounded queue, {@value #BOUNDED_MODEL}, for overload. The bundled models have
 * unbounded queues (a {@code dynamic_batching} block without {@code max_queue_size}), so an
 * overloaded server queues without limit and answers late rather than refusing early; the bounded
 * copy shows the other behaviour: {@code max_queue_size} requests wait, the rest get 503 at once.
 *
 * <pre>
 * &lt;dir&gt;/simple/config.pbtxt, 1/model.onnx         as bundled
 * &lt;dir&gt;/all-MiniLM-L6-v2/1/model.onnx             as bundled (config auto-completed)
 * &lt;dir&gt;/all-MiniLM-L6-v2-q/1/model.onnx           as bundled
 * &lt;dir&gt;/all-MiniLM-L6-v2-bounded/config.pbtxt      max_batch_size, bounded default queue
 * &lt;dir&gt;/all-MiniLM-L6-v2-bounded/1/model.onnx     the fp32 MiniLM again
 * </pre>
 *
 * <p>The model files are taken from the bundled-models folder a server writes at start-up (under
 * {@code hadron-<user>/bundled-models} in the temporary directory); when it is not there yet, a server
 * is started once from its jar to write it. Models are linked, not copied, where the file system
 * allows.
 *
 * <p>Stateless; not safe to run twice at once on the same folder.
 */
final class LoadTestRepository {
  static final String SIMPLE = "simple";
  static final String MINILM = "all-MiniLM-L6-v2";
  static final String MINILM_Q = "all-MiniLM-L6-v2-q";
  static final String BOUNDED_MODEL = "all-MiniLM-L6-v2-bounded";
  private static final List<String> BUNDLED_FILES = List.of(
      SIMPLE + "/config.pbtxt", SIMPLE + "/1/model.onnx", MINILM + "/1/model.onnx", MINILM_Q + "/1/model.onnx");

  private LoadTestRepository() {}

  /** Where a server on this machine, run by this user, writes its bundled models. */
  static Path defaultBundledDirectory() {
    return Path.of(System.getProperty("java.io.tmpdir"), "hadron-" + System.getProperty("user.name"),
        "bundled-models");
  }

  /** The {@code parameters} of a MiniLM config that passes session entries ({@code key=value}) on. */
  static String ortParameters(List<String> ortConfig) {
    StringBuilder sb = new StringBuilder();
    for (String e : ortConfig) {
      int eq = e.indexOf('=');
      sb.append("parameters { key: \"hadron.ort_config.").append(e, 0, eq).append("\" value: { string_value: \"")
          .append(e.substring(eq + 1)).append("\" } }\n");
    }
    return sb.toString();
  }

  /** The bounded model's {@code config.pbtxt}. */
  static String boundedConfig(int maxBatchSize, int maxQueueSize) {
    return boundedConfig(maxBatchSize, maxQueueSize, List.of());
  }

  static String boundedConfig(int maxBatchSize, int maxQueueSize, List<String> ortConfig) {
    if (maxBatchSize < 1 || maxQueueSize < 1) {
      throw new IllegalArgumentException("max_batch_size and max_queue_size must be >= 1, got " + maxBatchSize
          + " and " + maxQueueSize);
    }
    return """
        name: "%s"
        platform: "onnxruntime_onnx"
        max_batch_size: %d
        dynamic_batching {
          default_queue_policy { max_queue_size: %d }
        }
        """.formatted(BOUNDED_MODEL, maxBatchSize, maxQueueSize) + ortParameters(ortConfig);
  }

  /**
   * Makes sure the bundled models are in {@code bundled}, starting a server from {@code serverJar}
   * once if they are not.
   */
  static void ensureBundled(Path bundled, Path serverJar, Path log) throws IOException, InterruptedException {
    if (hasBundled(bundled)) {
      return;
    }
    System.out.println("Bundled models not found under " + bundled + "; starting the server once to write them");
    try (ServerProcess ignored = ServerProcess.start(serverJar, List.of(), List.of(), log, Duration.ofMinutes(3))) {
      // Ready means the bundled repository has been written and loaded.
    }
    if (!hasBundled(bundled)) {
      throw new IOException("the server did not write its bundled models under " + bundled
          + "; pass the folder it uses with --bundled-models");
    }
  }

  static boolean hasBundled(Path bundled) {
    return BUNDLED_FILES.stream().allMatch(f -> Files.isRegularFile(bundled.resolve(f)));
  }

  /** Writes the repository under {@code dir} from the models in {@code bundled}; returns {@code dir}. */
  static Path create(Path bundled, Path dir, int maxBatchSize, int maxQueueSize) throws IOException {
    return create(bundled, dir, maxBatchSize, maxQueueSize, List.of());
  }

  /**
   * As {@link #create(Path, Path, int, int)}, the MiniLM models also getting the session entries
   * ({@code key=value}) in a {@code config.pbtxt} of their own (the rest auto-completed).
   */
  static Path create(Path bundled, Path dir, int maxBatchSize, int maxQueueSize, List<String> ortConfig)
      throws IOException {
    if (!hasBundled(bundled)) {
      throw new IOException("bundled models missing under " + bundled + " (need " + BUNDLED_FILES + ")");
    }
    Files.createDirectories(dir);
    link(bundled.resolve(SIMPLE + "/1/model.onnx"), dir.resolve(SIMPLE + "/1/model.onnx"));
    Files.copy(bundled.resolve(SIMPLE + "/config.pbtxt"), dir.resolve(SIMPLE + "/config.pbtxt"),
        StandardCopyOption.REPLACE_EXISTING);
    link(bundled.resolve(MINILM + "/1/model.onnx"), dir.resolve(MINILM + "/1/model.onnx"));
    link(bundled.resolve(MINILM_Q + "/1/model.onnx"), dir.resolve(MINILM_Q + "/1/model.onnx"));
    link(bundled.resolve(MINILM + "/1/model.onnx"), dir.resolve(BOUNDED_MODEL + "/1/model.onnx"));
    Files.writeString(dir.resolve(BOUNDED_MODEL + "/config.pbtxt"),
        boundedConfig(maxBatchSize, maxQueueSize, ortConfig), StandardCharsets.UTF_8);
    for (String m : List.of(MINILM, MINILM_Q)) {
      Path config = dir.resolve(m + "/config.pbtxt");
      if (ortConfig.isEmpty()) {
        Files.deleteIfExists(config);
      } else {
        Files.writeString(config, "name: \"" + m + "\"\n" + ortParameters(ortConfig), StandardCharsets.UTF_8);
      }
    }
    return dir;
  }

  /** A symbolic link to {@code source} at {@code target}, or a copy where links are not allowed. */
  private static void link(Path source, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Files.deleteIfExists(target);
    try {
      Files.createSymbolicLink(target, source.toAbsolutePath());
    } catch (UnsupportedOperationException | SecurityException | IOException e) {
      // Some file systems (and Windows without the privilege) refuse links: copy instead.
      Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
