package io.hadron.backend.pytorch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Platform;
import io.hadron.core.HadronException;
import io.hadron.core.spi.BackendOptions;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process-wide PyTorch engine: starts it offline from natives the deployment provides, applies
 * the thread settings, and is the one place that empties the CUDA cache.
 *
 * <p><b>Natives, offline.</b> DJL finds libtorch in this order: a folder in the environment
 * variable {@code PYTORCH_LIBRARY_PATH} (or {@code java.library.path}) holding {@code libtorch.so};
 * else a {@code pytorch-native-*} jar on the class path ({@code native/lib/pytorch.properties}),
 * which it unpacks into its engine cache folder; else it downloads from the internet. The JNI glue
 * ({@code libdjl_torch.so}) comes from the {@code pytorch-jni} jar, or is downloaded when that jar
 * does not match the libtorch version. Hadron never lets it reach the download: before the engine
 * starts, {@link #checkNatives()} repeats DJL's decision and fails with {@link
 * HadronException.Unavailable} naming what is missing where DJL would go to the network. The cache
 * folder is {@value #CACHE_DIR_PROPERTY} (default {@code <java.io.tmpdir>/hadron-<user.name>/pytorch});
 * it is handed to DJL as the system properties {@code ENGINE_CACHE_DIR} and {@code DJL_CACHE_DIR}
 * (DJL adds {@code pytorch/<version>-<flavor>-<classifier>/}), and {@code ai.djl.offline} is set to
 * {@code true}. Environment variables of the same names take precedence inside DJL; they are logged.
 *
 * <p><b>Threads.</b> PyTorch's intra-op and inter-op pools are process-wide and the inter-op size
 * can be set only once, before the first parallel work. The engine therefore takes the {@link
 * BackendOptions} of the first load ({@code ai.djl.pytorch.num_threads} and {@code
 * ai.djl.pytorch.num_interop_threads}, unless the operator set those system properties); later
 * loads asking for other sizes get a warning and the sizes already in force.
 *
 * <p>Thread-safe: initialisation is synchronized on the class and published through a volatile
 * field.
 */
final class Torch {
  static final String CACHE_DIR_PROPERTY = "hadron.pytorch.cache-dir";
  static final String ENGINE_NAME = "PyTorch";

  private static final System.Logger LOG = System.getLogger(Torch.class.getName());
  private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  private static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";
  private static final String LIBTORCH = System.mapLibraryName("torch");
  /** DJL's own pattern for the release part of a libtorch version ("2.7.1" of "2.7.1-20250812"). */
  private static final Pattern RELEASE = Pattern.compile("(\\d+\\.\\d+\\.\\d+(-[a-z]+)?)(-SNAPSHOT)?(-\\d+)?");

  private static volatile Engine engine;
  private static BackendOptions started; // guarded by Torch.class

  private Torch() {}

  /**
   * The engine, started on first use.
   *
   * @throws HadronException.Unavailable naming why libtorch cannot be started offline here
   */
  static Engine engine(BackendOptions options) {
    Engine e = engine;
    if (e != null) {
      warnIfThreadsDiffer(options);
      return e;
    }
    synchronized (Torch.class) {
      if (engine != null) {
        warnIfThreadsDiffer(options);
        return engine;
      }
      Path cache = cacheDir();
      System.setProperty("ENGINE_CACHE_DIR", cache.toString());
      System.setProperty("DJL_CACHE_DIR", cache.toString());
      System.setProperty("ai.djl.offline", "true");
      for (String env : new String[] {"ENGINE_CACHE_DIR", "DJL_CACHE_DIR", "DJL_OFFLINE"}) {
        if (System.getenv(env) != null) {
          LOG.log(Level.WARNING, "environment variable {0}={1} overrides Hadron''s PyTorch setting",
              env, System.getenv(env));
        }
      }
      String source = checkNatives();
      if (options.intraOpThreads() > 0 && System.getProperty(NUM_THREADS) == null) {
        System.setProperty(NUM_THREADS, Integer.toString(options.intraOpThreads()));
      }
      if (options.interOpThreads() > 0 && System.getProperty(NUM_INTEROP_THREADS) == null) {
        System.setProperty(NUM_INTEROP_THREADS, Integer.toString(options.interOpThreads()));
      }
      try {
        e = Engine.getEngine(ENGINE_NAME);
      } catch (RuntimeException | LinkageError ex) {
        throw new HadronException.Unavailable("the PyTorch engine cannot start from " + source
            + " with cache folder " + cache + ": " + ex, ex);
      }
      started = options;
      LOG.log(Level.INFO, "PyTorch {0} started from {1}: {2} GPU(s), {3} intra-op and {4} inter-op "
          + "threads", e.getVersion(), source, e.getGpuCount(), JniUtils.getNumThreads(),
          JniUtils.getNumInteropThreads());
      engine = e;
      return e;
    }
  }

  /** GPUs the engine can use; 0 with a CPU build of libtorch. */
  static int gpuCount(Engine e) {
    return e.getGpuCount();
  }

  /** Returns cached, unused CUDA memory to the driver; a no-op where the engine has no GPU. */
  static void emptyCudaCache() {
    Engine e = engine;
    if (e != null && e.getGpuCount() > 0) {
      JniUtils.emptyCudaCache();
    }
  }

  static Path cacheDir() {
    String configured = System.getProperty(CACHE_DIR_PROPERTY);
    Path dir = configured != null && !configured.isBlank()
        ? Paths.get(configured)
        : Paths.get(System.getProperty("java.io.tmpdir"), "hadron-" + System.getProperty("user.name"), "pytorch");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new HadronException.Unavailable("PyTorch cache folder " + dir + " (system property "
          + CACHE_DIR_PROPERTY + ") cannot be created: " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw new HadronException.Unavailable("PyTorch cache folder " + dir + " (system property "
          + CACHE_DIR_PROPERTY + ") is not writable");
    }
    return dir.toAbsolutePath();
  }

  /**
   * Repeats DJL's search for libtorch and its JNI glue, failing where DJL would download.
   *
   * @return where libtorch will come from, for messages
   */
  static String checkNatives() {
    Platform classpath = Platform.detectPlatform("pytorch");
    String overrideVersion = envOrProperty("PYTORCH_VERSION");
    String flavor = envOrProperty("PYTORCH_FLAVOR");
    Path dir = findLibtorch(System.getenv("PYTORCH_LIBRARY_PATH"));
    String source;
    if (dir == null) {
      dir = findLibtorch(System.getProperty("java.library.path"));
    }
    String version;
    if (dir != null) {
      version = overrideVersion != null ? overrideVersion : classpath.getVersion();
      source = "libtorch in " + dir;
      // Without PYTORCH_FLAVOR DJL guesses "cpu-precxx11" or "cu<ver>-precxx11", for which the JNI
      // jar has no glue; it then fails with an AssertionError that names neither variable.
      String glue = "/jnilib/" + classpath.getClassifier() + "/" + flavor + "/" + System.mapLibraryName("djl_torch");
      if (flavor == null || flavor.isEmpty() || Torch.class.getResource(glue) == null) {
        throw new HadronException.Unavailable("PYTORCH_LIBRARY_PATH points at " + dir + " but PYTORCH_FLAVOR is "
            + (flavor == null || flavor.isEmpty() ? "not set" : "'" + flavor + "', for which the JNI jar has no glue")
            + "; set it to the flavor of that libtorch build: cpu, or cu128 for CUDA 12.8");
      }
    } else {
      if (classpath.isPlaceholder()) {
        throw new HadronException.Unavailable("no PyTorch natives: put the jar "
            + "ai.djl.pytorch:pytorch-native-cpu (classifier linux-x86_64) on the class path, or point "
            + "the environment variable PYTORCH_LIBRARY_PATH at a folder holding " + LIBTORCH
            + "; Hadron does not let DJL download them");
      }
      if (overrideVersion != null && !overrideVersion.isEmpty() && !overrideVersion.equals(classpath.getVersion())) {
        throw new HadronException.Unavailable("PYTORCH_VERSION=" + overrideVersion + " differs from the "
            + "PyTorch natives on the class path (" + classpath.getVersion() + "), so DJL would "
            + "download that version; unset it or set PYTORCH_LIBRARY_PATH to a local libtorch");
      }
      if (flavor != null && !flavor.isEmpty() && !flavor.equals(classpath.getFlavor())) {
        throw new HadronException.Unavailable("PYTORCH_FLAVOR=" + flavor + " differs from the PyTorch "
            + "natives on the class path (" + classpath.getFlavor() + "), so DJL would download that "
            + "flavor; unset it or set PYTORCH_LIBRARY_PATH to a local libtorch of that flavor");
      }
      version = classpath.getVersion();
      source = "the class path (" + classpath + ")";
    }
    checkJni(version, classpath.getApiVersion());
    return source;
  }

  private static void checkJni(String version, String djlVersion) {
    Matcher m = RELEASE.matcher(version == null ? "" : version);
    if (!m.matches()) {
      throw new HadronException.Unavailable("cannot tell the libtorch version ('" + version + "'); set "
          + "PYTORCH_VERSION (e.g. 2.7.1) next to PYTORCH_LIBRARY_PATH");
    }
    String wanted = m.group(1) + "-" + djlVersion;
    String jni = null;
    try (InputStream in = Torch.class.getResourceAsStream("/jnilib/pytorch.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        jni = p.getProperty("jni_version");
      }
    } catch (IOException e) {
      throw new HadronException.Unavailable("cannot read the PyTorch JNI jar's properties: " + e, e);
    }
    if (jni == null || !jni.startsWith(wanted)) {
      throw new HadronException.Unavailable("libtorch " + version + " with DJL " + djlVersion + " needs the "
          + "JNI jar ai.djl.pytorch:pytorch-jni:" + wanted + " on the class path, found "
          + (jni == null ? "none" : jni) + "; Hadron does not let DJL download it");
    }
  }

  private static Path findLibtorch(String path) {
    if (path == null || path.isEmpty()) {
      return null;
    }
    for (String p : path.split(File.pathSeparator)) {
      if (p.isEmpty()) {
        continue;
      }
      Path candidate = Paths.get(p);
      if (Files.isRegularFile(candidate) && candidate.getFileName().toString().equals(LIBTORCH)) {
        return candidate.toAbsolutePath().getParent();
      }
      if (Files.isRegularFile(candidate.resolve(LIBTORCH))) {
        return candidate.toAbsolutePath();
      }
    }
    return null;
  }

  private static String envOrProperty(String key) {
    String v = System.getenv(key);
    return v != null ? v : System.getProperty(key);
  }

  private static void warnIfThreadsDiffer(BackendOptions options) {
    BackendOptions first;
    synchronized (Torch.class) {
      first = started;
    }
    if (first != null && (first.intraOpThreads() != options.intraOpThreads()
        || first.interOpThreads() != options.interOpThreads())) {
      LOG.log(Level.WARNING, "PyTorch thread pools are process-wide and already started with {0} "
          + "intra-op and {1} inter-op threads; a load asking for {2} and {3} keeps them",
          JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), options.intraOpThreads(),
          options.interOpThreads());
    }
  }
}
