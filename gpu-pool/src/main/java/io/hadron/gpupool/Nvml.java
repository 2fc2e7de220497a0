package io.hadron.gpupool;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.HashMap;
import java.util.Map;

/**
 * NVML, the driver's management library, through JNA: memory used by every process on a device
 * and its utilization, which the CUDA runtime does not tell. Loaded by name when first asked for
 * and only if {@code libnvidia-ml} is there (it comes with the driver, not the toolkit); when it is
 * not, or its init fails, every read answers {@code null} and callers fall back. Functions are
 * looked up one by one ({@link NativeLibrary#getFunction}), so no interface is generated and a
 * missing symbol is one failed read, not a failed load.
 *
 * <p>Devices are found by PCI bus id, not by index: NVML numbers every GPU of the machine, CUDA
 * only those {@code CUDA_VISIBLE_DEVICES} leaves, in its own order.
 *
 * <p>Thread-safe: reads are serialized on the instance (they reuse two native out-buffers); NVML
 * stays initialized for the life of the process.
 */
final class Nvml {
  private static final System.Logger LOG = System.getLogger(Nvml.class.getName());
  private static final int NVML_SUCCESS = 0;

  /** Total and used memory (by every process) and the busy fraction, NaN when NVML cannot tell. */
  record Reading(long memoryTotal, long memoryUsed, double utilization) {}

  private static final Nvml ABSENT = new Nvml(null, "not loaded");

  private final NativeLibrary lib;
  private final String status;
  private final Map<String, Pointer> handles = new HashMap<>();
  private final Memory memoryInfo;
  private final Memory utilization;

  private Nvml(NativeLibrary lib, String status) {
    this.lib = lib;
    this.status = status;
    this.memoryInfo = lib == null ? null : new Memory(24); // nvmlMemory_t: total, free, used (unsigned long long)
    this.utilization = lib == null ? null : new Memory(8); // nvmlUtilization_t: gpu, memory (unsigned int, percent)
  }

  /** The process's NVML, loaded on the first call; an absent one when the library is not there. */
  static Nvml system() {
    return Holder.NVML;
  }

  static Nvml absent() {
    return ABSENT;
  }

  boolean isPresent() {
    return lib != null;
  }

  /** Why NVML is absent, or "loaded". */
  String status() {
    return status;
  }

  /** The live figures of the device at {@code pciBusId}, or null when NVML cannot read them. */
  synchronized Reading read(String pciBusId) {
    if (lib == null) {
      return null;
    }
    try {
      Pointer device = handle(pciBusId);
      if (device == null) {
        return null;
      }
      if (call("nvmlDeviceGetMemoryInfo", device, memoryInfo) != NVML_SUCCESS) {
        return null;
      }
      long total = memoryInfo.getLong(0);
      long used = memoryInfo.getLong(16);
      double busy = Double.NaN;
      if (call("nvmlDeviceGetUtilizationRates", device, utilization) == NVML_SUCCESS) {
        busy = utilization.getInt(0) / 100.0; // unsupported on MIG instances: stays NaN
      }
      return new Reading(total, used, busy);
    } catch (LinkageError | RuntimeException e) {
      return null; // a symbol this driver lacks; the caller falls back
    }
  }

  private Pointer handle(String pciBusId) {
    Pointer h = handles.get(pciBusId);
    if (h == null) {
      PointerByReference ref = new PointerByReference();
      if (call("nvmlDeviceGetHandleByPciBusId_v2", pciBusId, ref) != NVML_SUCCESS) {
        return null;
      }
      h = ref.getValue();
      handles.put(pciBusId, h);
    }
    return h;
  }

  private int call(String function, Object... args) {
    Function f = lib.getFunction(function);
    return f.invokeInt(args);
  }

  private static Nvml load() {
    NativeLibrary lib = null;
    String why = "";
    // The unversioned name exists only where the development package is installed; the driver
    // itself ships the versioned one.
    for (String name : new String[] {"nvidia-ml", "libnvidia-ml.so.1"}) {
      try {
        lib = NativeLibrary.getInstance(name);
        break;
      } catch (LinkageError | RuntimeException e) {
        why = e.getMessage();
      }
    }
    if (lib == null) {
      return new Nvml(null, "libnvidia-ml not found (" + why + ")");
    }
    try {
      int rc = lib.getFunction("nvmlInit_v2").invokeInt(new Object[0]);
      if (rc != NVML_SUCCESS) {
        return new Nvml(null, "nvmlInit_v2 returned " + rc);
      }
    } catch (LinkageError | RuntimeException e) {
      return new Nvml(null, "nvmlInit_v2 failed (" + e + ")");
    }
    LOG.log(System.Logger.Level.DEBUG, "NVML loaded");
    return new Nvml(lib, "loaded");
  }

  private static final class Holder {
    static final Nvml NVML = loadGuarded();

    private static Nvml loadGuarded() {
      try {
        return load();
      } catch (LinkageError e) {
        return new Nvml(null, "JNA cannot load (" + e + ")"); // JNA's own native part is missing
      }
    }
  }
}
