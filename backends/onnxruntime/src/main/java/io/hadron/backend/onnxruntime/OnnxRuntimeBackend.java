package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedInstances;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.Placement;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves ONNX models with ONNX Runtime: platform {@code onnxruntime_onnx}, backend {@code
 * onnxruntime}, file {@code model.onnx}.
 *
 * <p>{@link #complete} reads the model's inputs and outputs and fills in or checks the
 * configuration as Triton's ONNX Runtime backend does ({@link ConfigCompleter} lists the rules).
 * {@link #load} opens one session per instance, on the CPU or, for GPU instance groups, with the
 * CUDA execution provider. Session options come from the configuration's parameters ({@link
 * SessionSettings} lists them) and the server-wide {@link BackendOptions}. All sessions share the
 * process-wide ONNX Runtime environment.
 *
 * <p>Thread-safe: it holds no state, so models may be completed and loaded concurrently.
 */
public final class OnnxRuntimeBackend implements Backend {
  static final String MODEL_FILE = "model.onnx";

  /** Instantiated by {@link java.util.ServiceLoader}; touches no native code until first use. */
  public OnnxRuntimeBackend() {}

  @Override
  public String name() {
    return ConfigCompleter.BACKEND;
  }

  @Override
  public Set<String> platforms() {
    return Set.of(ConfigCompleter.PLATFORM);
  }

  @Override
  public String defaultModelFileName() {
    return MODEL_FILE;
  }

  @Override
  public ModelConfig complete(ModelConfig config, Path modelFile, BackendOptions options) {
    Path file = modelFile(config.name(), modelFile);
    OrtEnvironment env = Ort.env();
    ModelSignature signature;
    try (OrtSession.SessionOptions so = SessionSettings.forMetadata();
        OrtSession session = env.createSession(file.toString(), so)) {
      signature = ModelSignature.of(session);
    } catch (OrtException e) {
      throw Ort.loadFailure(config.name(), file, e);
    }
    return ConfigCompleter.complete(config, signature, options);
  }

  @Override
  public LoadedModel load(ModelConfig config, Path modelFile, BackendOptions options) {
    String name = config.name();
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new HadronException.Unsupported("model '" + name + "': the onnxruntime backend passes "
          + "little-endian tensor data to ONNX Runtime as is, which needs a little-endian machine");
    }
    Path file = modelFile(name, modelFile);
    SessionSettings settings = SessionSettings.of(config, options);
    List<Placement> placements = Placement.of(config, name());
    requireCuda(name, placements);
    OrtEnvironment env = Ort.env();
    List<OrtSession> sessions = new ArrayList<>(placements.size());
    try {
      ModelSignature signature = null;
      for (Placement p : placements) {
        sessions.add(open(env, file, settings, p));
        if (signature == null) {
          // Check the configuration before paying for the remaining sessions.
          signature = ModelSignature.of(sessions.getFirst());
          ConfigCompleter.validate(config, signature);
        }
      }
      AtomicBoolean closed = new AtomicBoolean();
      List<OrtModelInstance> instances = new ArrayList<>(sessions.size());
      for (int i = 0; i < sessions.size(); i++) {
        instances.add(new OrtModelInstance(name, env, sessions.get(i), placements.get(i), signature,
            config.batched(), settings.preallocateOutputs(), closed));
      }
      List<OrtSession> opened = List.copyOf(sessions);
      return new LoadedInstances(config, instances, closed, primary -> OrtSessions.close(opened, primary));
    } catch (OrtException e) {
      HadronException mapped = Ort.loadFailure(name, file, e);
      OrtSessions.close(sessions, mapped);
      throw mapped;
    } catch (RuntimeException | Error e) {
      OrtSessions.close(sessions, e);
      throw e;
    }
  }

  private static OrtSession open(OrtEnvironment env, Path file, SessionSettings settings, Placement p)
      throws OrtException {
    // ONNX Runtime copies the options into the session, so they can go once it exists.
    try (OrtSession.SessionOptions so = settings.toOptions(p)) {
      return env.createSession(file.toString(), so);
    }
  }

  /** The file to open; as in Triton, {@code model.onnx} may be a directory holding the real one. */
  private static Path modelFile(String model, Path modelFile) {
    Path file = Files.isDirectory(modelFile) ? modelFile.resolve(MODEL_FILE) : modelFile;
    if (!Files.isRegularFile(file)) {
      throw new HadronException.InvalidArgument(
          "model '" + model + "': model file " + file + " does not exist or is not a regular file");
    }
    return file;
  }

  private static void requireCuda(String model, List<Placement> placements) {
    List<String> gpus =
        placements.stream().filter(Placement::isGpu).map(Placement::device).distinct().toList();
    if (gpus.isEmpty()) {
      return;
    }
    EnumSet<OrtProvider> available = Ort.providers();
    if (!available.contains(OrtProvider.CUDA)) {
      throw new HadronException.Unavailable("model '" + model + "' asks for GPU instances on " + gpus
          + " but the CUDA execution provider is not available in this ONNX Runtime build (available: "
          + available + "); use the GPU build of ONNX Runtime on a machine with CUDA, or set the "
          + "instance_group kind to KIND_CPU");
    }
  }
}
