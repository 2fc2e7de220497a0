package io.hadron.backend.onnxruntime;

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

  /**
   * One placement per instance the configuration asks for, in group order. As in Triton, a GPU
   * group places {@code count} instances on each of its GPUs. A group with no GPU list places them
   * on device 0: this module cannot enumerate devices ("every visible GPU" needs device discovery
   * that belongs to gpu-pool). KIND_AUTO without GPUs and KIND_CPU run on the CPU; no group at all
   * means one CPU instance.
   *
   * @throws HadronException.InvalidArgument for a contradictory group
   * @throws HadronException.Unsupported for KIND_MODEL
   */
  static List<Placement> of(ModelConfig config) {
    List<Placement> out = new ArrayList<>();
    for (InstanceGroup g : config.instanceGroups()) {
      String group = "model '" + config.name() + "': instance_group '" + g.name() + "'";
      for (int gpu : g.gpus()) {
        if (gpu < 0) {
          throw new HadronException.InvalidArgument(group + " lists GPU " + gpu + "; ordinals are >= 0");
        }
      }
      switch (g.kind()) {
        case KIND_MODEL -> throw new HadronException.Unsupported(
            group + " is KIND_MODEL, which the onnxruntime backend does not support; "
                + "use KIND_CPU or KIND_GPU");
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
