package io.hadron.backend.pytorch;

import ai.djl.Device;
import io.hadron.core.HadronException;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one instance runs: the CPU, or one CUDA device.
 *
 * <p>Immutable.
 *
 * @param gpu the CUDA device ordinal, or {@code -1} for the CPU
 */
record Placement(int gpu) {
  static final Placement CPU = new Placement(-1);

  boolean isGpu() {
    return gpu >= 0;
  }

  /** The metrics label: "cpu" or "gpu0". */
  String device() {
    return isGpu() ? "gpu" + gpu : "cpu";
  }

  Device djlDevice() {
    return isGpu() ? Device.gpu(gpu) : Device.cpu();
  }

  /**
   * One placement per instance the configuration asks for, in group order, with the rules of the
   * onnxruntime backend: a GPU group places {@code count} instances on each of its GPUs (device 0
   * when it lists none, since device discovery belongs to gpu-pool); KIND_AUTO without GPUs and
   * KIND_CPU run on the CPU; no group at all means one CPU instance.
   *
   * @throws HadronException.InvalidArgument for a contradictory group
   * @throws HadronException.Unsupported for KIND_MODEL
   */
  static List<Placement> of(ModelConfig config) {
    List<Placement> out = new ArrayList<>();
    for (InstanceGroup g : config.instanceGroups()) {
      String group = "model '" + config.name() + "': instance_group '" + g.name() + "'";
      switch (g.kind()) {
        case KIND_MODEL -> throw new HadronException.Unsupported(
            group + " is KIND_MODEL, which the pytorch backend does not support; use KIND_CPU or KIND_GPU");
        case KIND_CPU -> {
          if (!g.gpus().isEmpty()) {
            throw new HadronException.InvalidArgument(
                group + " is KIND_CPU but lists gpus " + g.gpus() + "; use KIND_GPU or drop the list");
          }
          repeat(out, CPU, g.count());
        }
        case KIND_GPU, KIND_AUTO -> {
          if (g.kind() == InstanceGroup.Kind.KIND_AUTO && g.gpus().isEmpty()) {
            repeat(out, CPU, g.count());
          } else {
            for (int gpu : g.gpus().isEmpty() ? List.of(0) : g.gpus()) {
              repeat(out, new Placement(gpu), g.count());
            }
          }
        }
      }
    }
    if (out.isEmpty()) {
      out.add(CPU);
    }
    return List.copyOf(out);
  }

  private static void repeat(List<Placement> out, Placement p, int count) {
    for (int i = 0; i < count; i++) {
      out.add(p);
    }
  }
}
