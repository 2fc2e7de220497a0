package io.hadron.backend.pytorch;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.Backend;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedInstances;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.Placement;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves PyTorch models with libtorch through DJL's PyTorch engine: platform {@code
 * pytorch_libtorch}, backend {@code pytorch}, file {@code model.pt} (TorchScript, or DJL parameters
 * with a {@link BlockFactory}; the package documentation has the whole contract).
 *
 * <p>{@link #complete} cannot read inputs and outputs from the file, so it asks the configuration
 * to declare them and fills in only platform and backend. {@link #load} opens one DJL model per
 * instance, on the CPU or, for GPU instance groups, on {@code gpu<N>} when the engine has GPUs.
 *
 * <p>Thread-safe: it holds no state (the engine is process-wide, see {@link Torch}).
 */
public final class PyTorchBackend implements Backend {
  static final String PLATFORM = "pytorch_libtorch";
  static final String BACKEND = "pytorch";

  /** Instantiated by {@link java.util.ServiceLoader}; touches no native code until first use. */
  public PyTorchBackend() {}

  @Override
  public String name() {
    return BACKEND;
  }

  @Override
  public Set<String> platforms() {
    return Set.of(PLATFORM);
  }

  @Override
  public String defaultModelFileName() {
    return ModelFiles.MODEL_FILE;
  }

  /**
   * Checks the configuration and the file's format and sets platform and backend where the
   * configuration left them empty. Nothing else can be completed: TorchScript keeps no names,
   * datatypes or shapes for its arguments.
   *
   * @throws HadronException.InvalidArgument asking for inputs and outputs in config.pbtxt when
   *     either list is empty
   */
  @Override
  public ModelConfig complete(ModelConfig config, Path modelFile, BackendOptions options) {
    Signature.of(config);
    Path file = ModelFiles.resolve(config.name(), modelFile);
    ModelFiles.format(config, file);
    ModelConfig.Builder b = config.toBuilder();
    if (config.platform().isEmpty()) {
      b.platform(PLATFORM);
    }
    if (config.backend().isEmpty()) {
      b.backend(BACKEND);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new HadronException.InvalidArgument("model '" + config.name() + "': " + e.getMessage(), e);
    }
  }

  @Override
  public LoadedModel load(ModelConfig config, Path modelFile, BackendOptions options) {
    String name = config.name();
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new HadronException.Unsupported("model '" + name + "': the pytorch backend passes "
          + "little-endian tensor data to libtorch as is, which needs a little-endian machine");
    }
    Signature signature = Signature.of(config);
    Path file = ModelFiles.resolve(name, modelFile);
    ModelFiles.Format format = ModelFiles.format(config, file);
    BlockFactory factory = format == ModelFiles.Format.DJL_PARAMETERS ? ModelFiles.factory(config) : null;
    List<Placement> placements = Placement.of(config, name());
    Engine engine = Torch.engine(options);
    requireGpus(name, placements, engine);
    List<Model> models = new ArrayList<>(placements.size());
    try {
      AtomicBoolean closed = new AtomicBoolean();
      List<PtModelInstance> instances = new ArrayList<>(placements.size());
      for (Placement p : placements) {
        Model model = Model.newInstance(name, djlDevice(p), Torch.ENGINE_NAME);
        models.add(model);
        if (factory == null) {
          ModelFiles.loadTorchScript(model, file);
        } else {
          ModelFiles.loadParameters(model, file, factory, config);
        }
        instances.add(new PtModelInstance(name, model, p, signature, config.batched(), closed));
      }
      List<Model> opened = List.copyOf(models);
      return new LoadedInstances(config, instances, closed, primary -> PtModels.close(opened, primary));
    } catch (IOException | MalformedModelException e) {
      HadronException mapped = new HadronException.InvalidArgument(
          "model '" + name + "': PyTorch cannot load " + file + ": " + e.getMessage(), e);
      PtModels.close(models, mapped);
      throw mapped;
    } catch (HadronException e) {
      PtModels.close(models, e);
      throw e;
    } catch (RuntimeException e) {
      // ai.djl.engine.EngineException: libtorch refused the file (bad TorchScript, missing operator).
      HadronException mapped = new HadronException.InvalidArgument(
          "model '" + name + "': PyTorch cannot load " + file + ": " + e.getMessage(), e);
      PtModels.close(models, mapped);
      throw mapped;
    } catch (Error e) {
      PtModels.close(models, e);
      throw e;
    }
  }

  /** The DJL device of a placement. */
  static ai.djl.Device djlDevice(Placement p) {
    return p.isGpu() ? ai.djl.Device.gpu(p.gpu()) : ai.djl.Device.cpu();
  }

  private static void requireGpus(String model, List<Placement> placements, Engine engine) {
    List<String> gpus = placements.stream().filter(Placement::isGpu).map(Placement::device).distinct().toList();
    if (gpus.isEmpty()) {
      return;
    }
    int count = Torch.gpuCount(engine);
    if (count == 0) {
      throw new HadronException.Unavailable("model '" + model + "' asks for GPU instances on " + gpus
          + " but the PyTorch engine reports no GPU (libtorch " + engine.getVersion() + " from "
          + Torch.checkNatives() + "); provide a CUDA build of libtorch through PYTORCH_LIBRARY_PATH "
          + "(with PYTORCH_VERSION and PYTORCH_FLAVOR, e.g. 2.7.1 and cu128) on a machine with CUDA, or set "
          + "the instance_group kind to KIND_CPU");
    }
    for (Placement p : placements) {
      if (p.isGpu() && p.gpu() >= count) {
        throw new HadronException.Unavailable("model '" + model + "' asks for a GPU instance on "
            + p.device() + " but the PyTorch engine sees " + count + " GPU(s) (gpu0"
            + (count > 1 ? "..gpu" + (count - 1) : "") + ")");
      }
    }
  }
}
