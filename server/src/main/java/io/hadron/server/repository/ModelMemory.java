package io.hadron.server.repository;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.LoadedModel;
import io.hadron.gpupool.GpuDevices;
import io.hadron.gpupool.MemoryBudget;
import io.hadron.gpupool.Resident;
import io.hadron.gpupool.Residency;
import io.hadron.server.metrics.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The model memory budget as the repository uses it: before a version loads, its footprint is
 * estimated and admitted to gpu-pool's {@link MemoryBudget} on the device where it fits best,
 * evicting least-recently-used idle models when nothing has room; the reservation goes back when
 * the version unloads. Recency is marked by every request ({@link Reservation#touch()}).
 *
 * <p>Footprint: a model's configuration may state it ({@code hadron.memory.footprint_bytes}, the
 * bytes of the whole version, every instance included); otherwise it is estimated per instance as
 * the bytes of the version directory (the weights, external data included, which every engine
 * session holds a copy of) plus the working set of one full batch (every input and output at
 * {@code max_batch_size} rows, dynamic dimensions counted as 1, strings as 64 bytes), times the
 * instances on the device. On a GPU the estimate only places the model: the load itself is
 * measured as the drop of the device's free memory, and the reservation is corrected to it.
 *
 * <p>Thread-safe: the budget is; a reservation is created and released by the thread holding its
 * model's lifecycle lock, and touched from any request thread.
 */
public final class ModelMemory {
  private static final System.Logger LOG = System.getLogger(ModelMemory.class.getName());
  /** Config parameter: the version's footprint in bytes, all instances together, overriding the estimate. */
  static final String FOOTPRINT = "hadron.memory.footprint_bytes";
  /** Config parameters the ONNX Runtime backend passes to the CUDA execution provider. */
  static final String CUDA_MEM_LIMIT = "hadron.cuda.gpu_mem_limit";
  static final String CUDA_ARENA_STRATEGY = "hadron.cuda.arena_extend_strategy";
  private static final long STRING_ELEMENT_BYTES = 64;

  private final MemoryBudget budget;
  private final GpuDevices gpus;
  private final ServerMetrics metrics;
  private final Runnable trimPools;
  private volatile ModelRepository repository;

  private ModelMemory(MemoryBudget budget, GpuDevices gpus, ServerMetrics metrics, Runnable trimPools) {
    this.budget = budget;
    this.gpus = gpus;
    this.metrics = metrics;
    this.trimPools = trimPools;
  }

  /**
   * @param hostBudgetBytes the bytes CPU models may take together; 0 for no limit
   * @param gpuFraction the fraction of each GPU's memory models may take
   * @param trimPools gives the memory pools' cached blocks back to the system; run after a version
   *     unloads, so that an unload really frees what the version's batches had cached
   */
  public static ModelMemory create(long hostBudgetBytes, double gpuFraction, GpuDevices gpus, ServerMetrics metrics,
      Runnable trimPools) {
    MemoryBudget budget = MemoryBudget.builder()
        .cpu(hostBudgetBytes == 0 ? Long.MAX_VALUE : hostBudgetBytes)
        .gpus(gpus, gpuFraction)
        .build();
    return new ModelMemory(budget, gpus, metrics, trimPools);
  }

  void attach(ModelRepository r) {
    this.repository = r;
  }

  public MemoryBudget budget() {
    return budget;
  }

  /**
   * Admits a version about to load, evicting what must leave to make room.
   *
   * @throws HadronException.ResourceExhausted when no allowed device can make room (only busy
   *     models could), naming the model, its footprint and the device
   */
  Reservation reserve(ModelVersion mv, ModelConfig config, Path versionDir, Path modelFile) {
    String name = mv.modelName() + "/" + mv.version();
    Map<String, Integer> instancesByDevice = devices(config);
    long declared = declaredFootprint(config);
    long perInstance = declared >= 0 ? -1 : directoryBytes(versionDir) + workingSet(config);
    int totalInstances = instancesByDevice.values().stream().mapToInt(Integer::intValue).sum();
    Resident resident = new Resident() {
      @Override
      public boolean isBusy() {
        return mv.inFlight() > 0;
      }

      @Override
      public void evict() {
        ModelRepository r = repository;
        if (r != null) {
          r.evict(mv);
        }
      }
    };
    List<Residency> held = new ArrayList<>();
    try {
      for (Map.Entry<String, Integer> e : instancesByDevice.entrySet()) {
        long bytes = declared >= 0 ? declared * e.getValue() / totalInstances : perInstance * e.getValue();
        List<String> allowed = e.getKey().equals(ANY_GPU) ? gpuLabels() : List.of(e.getKey());
        if (!e.getKey().equals("cpu") && !budget.devices().containsAll(allowed)) {
          continue; // a GPU this machine lacks: the engine's load reports it; nothing to account
        }
        held.add(budget.admit(name, bytes, allowed, resident));
      }
    } catch (RuntimeException e) {
      held.forEach(Residency::release);
      throw e;
    }
    Reservation r = new Reservation(mv, name, held, resident);
    for (Residency h : held) {
      if (!h.evicted().isEmpty()) {
        LOG.log(System.Logger.Level.INFO, name + " placed on " + h.device() + "; evicted to make room: "
            + h.evicted());
      }
    }
    r.publish();
    return r;
  }

  /** A GPU group without a list: the budget picks the device. */
  private static final String ANY_GPU = "gpu?";

  private List<String> gpuLabels() {
    return gpus.list().stream().map(g -> g.label()).toList();
  }

  /** Instances per device label, as the engines place them (Triton's rules). */
  private Map<String, Integer> devices(ModelConfig config) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (InstanceGroup g : config.instanceGroups()) {
      boolean gpu = g.kind() == InstanceGroup.Kind.KIND_GPU
          || (g.kind() == InstanceGroup.Kind.KIND_AUTO && !g.gpus().isEmpty());
      if (!gpu) {
        out.merge("cpu", g.count(), Integer::sum);
      } else if (g.gpus().isEmpty()) {
        out.merge(gpus.isEmpty() ? "gpu0" : ANY_GPU, g.count(), Integer::sum);
      } else {
        for (int i : g.gpus()) {
          out.merge("gpu" + i, g.count(), Integer::sum);
        }
      }
    }
    if (out.isEmpty()) {
      out.put("cpu", 1);
    }
    return out;
  }

  private static long declaredFootprint(ModelConfig config) {
    var v = config.parameter(FOOTPRINT);
    if (v.isEmpty()) {
      return -1;
    }
    try {
      long bytes = Long.parseLong(v.get().trim());
      if (bytes >= 0) {
        return bytes;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new HadronException.InvalidArgument("model '" + config.name() + "': parameter " + FOOTPRINT
        + " must be a byte count >= 0, got '" + v.get() + "'");
  }

  private static long directoryBytes(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      throw new HadronException.InvalidArgument("cannot size " + dir + ": " + e.getMessage(), e);
    }
  }

  /** One full batch of every input and output, dynamic dimensions as 1. */
  static long workingSet(ModelConfig config) {
    long rows = Math.max(1, config.maxBatchSize());
    long bytes = 0;
    for (List<TensorConfig> ts : List.of(config.inputs(), config.outputs())) {
      for (TensorConfig t : ts) {
        long elements = 1;
        for (long d : t.dims()) {
          elements = Math.multiplyExact(elements, Math.max(1, d));
        }
        long size = t.datatype() == DataType.BYTES ? STRING_ELEMENT_BYTES : t.datatype().byteSize();
        bytes = Math.addExact(bytes, Math.multiplyExact(elements, size));
      }
    }
    return Math.multiplyExact(rows, bytes);
  }

  /**
   * A version's memory in the budget. Thread-safe: {@link #touch()} from any thread; the rest
   * from the thread holding the model's lifecycle lock.
   */
  final class Reservation {
    private final ModelVersion version;
    private final String name;
    private final Resident resident;
    private volatile List<Residency> held;

    private Reservation(ModelVersion version, String name, List<Residency> held, Resident resident) {
      this.version = version;
      this.name = name;
      this.held = List.copyOf(held);
      this.resident = resident;
    }

    /** Sets the footprint gauges to what the budget counts now. */
    void publish() {
      for (Residency r : held) {
        metrics.modelMemory(version.modelName(), version.versionString(), r.device())
            .set(r.isResident() ? r.footprint().bytes() : 0);
      }
    }

    /** Marks the version used now. */
    void touch() {
      for (Residency r : held) {
        r.touch();
      }
    }

    /**
     * The configuration with the placement applied: a GPU group without a device list gets the
     * device chosen, and the CUDA provider a memory limit of its share of the reservation.
     */
    ModelConfig placed(ModelConfig config) {
      Residency gpu = held.stream().filter(r -> r.device().startsWith("gpu")).findFirst().orElse(null);
      if (gpu == null) {
        return config;
      }
      int index = Integer.parseInt(gpu.device().substring(3));
      ModelConfig.Builder b = config.toBuilder();
      List<InstanceGroup> groups = new ArrayList<>();
      int instances = 0;
      for (InstanceGroup g : config.instanceGroups()) {
        boolean anyGpu = g.kind() == InstanceGroup.Kind.KIND_GPU && g.gpus().isEmpty();
        groups.add(anyGpu ? new InstanceGroup(g.name(), g.count(), g.kind(), List.of(index)) : g);
        if (anyGpu || g.gpus().contains(index)) {
          instances += g.count();
        }
      }
      b.instanceGroups(groups);
      if (config.parameter(CUDA_MEM_LIMIT).isEmpty()) {
        b.parameter(CUDA_MEM_LIMIT, Long.toString(gpu.footprint().bytes() / Math.max(1, instances)));
      }
      if (config.parameter(CUDA_ARENA_STRATEGY).isEmpty()) {
        // Grow the arena by what is asked, not to the next power of two, so that it stays near the limit.
        b.parameter(CUDA_ARENA_STRATEGY, "kSameAsRequested");
      }
      return b.build();
    }

    /**
     * Runs the engine's load; on a GPU, measures the device memory it took and corrects the
     * reservation to it (which may evict more).
     */
    LoadedModel measure(Supplier<LoadedModel> load) {
      List<Residency> gpuHeld = held.stream().filter(r -> r.device().startsWith("gpu")).toList();
      if (gpuHeld.isEmpty()) {
        return load.get();
      }
      Map<String, Long> before = new LinkedHashMap<>();
      for (Residency r : gpuHeld) {
        before.put(r.device(), freeBytes(r.device()));
      }
      LoadedModel loaded = load.get();
      List<Residency> corrected = new ArrayList<>();
      for (Residency r : held) {
        Long free = before.get(r.device());
        if (free == null || free < 0) {
          corrected.add(r);
          continue;
        }
        long used = Math.max(0, free - freeBytes(r.device()));
        r.release();
        corrected.add(budget.admit(name, used, List.of(r.device()), resident));
      }
      held = List.copyOf(corrected);
      publish();
      return loaded;
    }

    private long freeBytes(String device) {
      return gpus.freeMemoryBytes(Integer.parseInt(device.substring(3)));
    }

    /** Gives the reservation back once the engine is closed, and trims the pools' caches. */
    void release() {
      for (Residency r : held) {
        r.release();
      }
      publish();
      try {
        trimPools.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "trimming the memory pools after unloading " + name + " failed", e);
      }
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      for (Residency r : held) {
        sb.append(sb.isEmpty() ? "" : ", ").append(String.format("%.1f MiB on %s", r.footprint().bytes() / 1048576.0,
            r.device()));
      }
      return sb.isEmpty() ? "no memory accounted" : sb.toString();
    }
  }
}
