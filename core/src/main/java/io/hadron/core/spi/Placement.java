package io.hadron.core.spi;

import io.hadron.core.HadronException;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one instance of a model runs, the CPU or one CUDA device, by Triton's instance-group rules;
 * the one reading of {@code instance_group} every backend shares.
 *
 * <p>Immutable.
 *
 * @param gpu the CUDA device ordinal, or {@code -1} for the CPU
 */
public record Placement(int gpu) {
  public static final Placement CPU = new Placement(-1);

  public boolean isGpu() {
    return gpu >= 0;
  }

  /** The metrics label: "cpu" or "gpu0". */
  public String device() {
    return isGpu() ? "gpu" + gpu : "cpu";
  }

  /**
   * One placement per instance the configuration asks for, in group order. As in Triton, a GPU
   * group places {@code count} instances on each of its GPUs. A group with no GPU list places them
   * on device 0 (the server's memory budget rewrites such a group to the device it chose before a
   * backend sees it). KIND_AUTO without GPUs and KIND_CPU run on the CPU; no group at all means
   * one CPU instance.
   *
   * @param backend the backend's name, for the message refusing KIND_MODEL
   * @throws HadronException.InvalidArgument for a contradictory group
   * @throws HadronException.Unsupported for KIND_MODEL
   */
  public static List<Placement> of(ModelConfig config, String backend) {
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
            group + " is KIND_MODEL, which the " + backend + " backend does not support; "
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
