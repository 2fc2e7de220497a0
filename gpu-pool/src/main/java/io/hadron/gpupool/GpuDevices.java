package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The GPUs of this process, found once: the entry point for anything that asks whether to use a
 * GPU. Detection never throws: a missing CUDA library, a missing driver, or zero devices all give
 * an empty list with the reason, logged in one line, and Hadron runs on host memory.
 *
 * <p>Immutable. {@link #system()} detects on first use and keeps the result for the life of the
 * process (the device set cannot change under a running CUDA runtime).
 */
public final class GpuDevices {
  private static final System.Logger LOG = System.getLogger(GpuDevices.class.getName());

  private final List<GpuDevice> list;
  private final String reason;

  private GpuDevices(List<GpuDevice> list, String reason) {
    this.list = List.copyOf(list);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** This process's GPUs, detected on the first call. */
  public static GpuDevices system() {
    return SystemHolder.DEVICES;
  }

  /** No GPU, for the given reason (for instance "disabled by --no-gpu"). */
  public static GpuDevices none(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("a reason is required when there is no GPU");
    }
    return new GpuDevices(List.of(), reason);
  }

  /** Devices found; the indexes must be 0, 1, ... in order. */
  static GpuDevices of(List<GpuDevice> devices) {
    if (devices.isEmpty()) {
      return none("no CUDA device");
    }
    for (int i = 0; i < devices.size(); i++) {
      if (devices.get(i).index() != i) {
        throw new IllegalArgumentException("device " + i + " has index " + devices.get(i).index());
      }
    }
    return new GpuDevices(devices, devices.size() + " CUDA device" + (devices.size() == 1 ? "" : "s"));
  }

  /**
   * Runs a probe, turning every way it can fail into "no GPU". {@link LinkageError} is the usual
   * one: {@link UnsatisfiedLinkError} from the JCuda natives or the CUDA libraries, then {@link
   * NoClassDefFoundError} on any later touch of the class that failed to initialize.
   */
  static GpuDevices detect(Supplier<GpuDevices> probe) {
    GpuDevices found;
    try {
      found = probe.get();
    } catch (LinkageError e) {
      found = none("the CUDA runtime cannot be loaded (" + e + ")");
    } catch (RuntimeException e) {
      found = none("CUDA detection failed (" + e + ")");
    }
    if (found.isEmpty()) {
      LOG.log(System.Logger.Level.INFO, "No GPU: {0}; using host memory only.", found.reason);
    } else {
      StringBuilder sb = new StringBuilder();
      for (GpuDevice d : found.list) {
        sb.append(sb.isEmpty() ? "" : ", ")
            .append(d.label())
            .append(" = ")
            .append(d.name())
            .append(" (")
            .append(d.totalMemoryBytes() >> 20)
            .append(" MiB, compute ")
            .append(d.computeCapability())
            .append(')');
      }
      LOG.log(System.Logger.Level.INFO, "GPUs: {0}", sb);
    }
    return found;
  }

  /** The devices in index order; empty when there is no usable GPU. */
  public List<GpuDevice> list() {
    return list;
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  /** Why there is no GPU, or how many were found. */
  public String reason() {
    return reason;
  }

  /**
   * The device with this CUDA index.
   *
   * @throws HadronException.InvalidArgument when there is none, naming the devices there are
   */
  public GpuDevice get(int index) {
    if (index < 0 || index >= list.size()) {
      throw new HadronException.InvalidArgument(
          "no GPU " + index + ": " + (list.isEmpty() ? reason : "devices are gpu0..gpu" + (list.size() - 1)));
    }
    return list.get(index);
  }

  /**
   * Memory free on a device now, whoever holds the rest (the CUDA runtime's figure): a model's
   * load is measured as the drop of this number across it.
   *
   * @throws HadronException.InvalidArgument when there is no such device
   */
  public long freeMemoryBytes(int index) {
    get(index);
    return CudaRuntime.memGetInfo(index)[0];
  }

  @Override
  public String toString() {
    return "GpuDevices[" + reason + "]";
  }

  private static final class SystemHolder {
    static final GpuDevices DEVICES = detect(() -> CudaRuntime.probe(Nvml.system()));
  }
}
