package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How much model memory each device may hold, which models hold it, and where the next model goes:
 * the server asks {@link #admit} before it loads a model, calls {@link Residency#touch()} on every
 * request, and {@link Residency#release()} when it unloads. When nothing has room, admission evicts
 * least-recently-used idle models through their {@link Resident#evict()} — never a busy one — and
 * fails with {@link HadronException.ResourceExhausted} when only busy models could make room. The
 * decision itself is {@link PlacementPlanner}'s, a pure function of a snapshot.
 *
 * <h2>Why a timestamp per resident, and not an access-ordered list or Caffeine</h2>
 *
 * Recency is updated on every request and read only when memory runs out, a few times a day. So
 * the write is made as cheap as it gets — one clock read and one volatile store into the model's
 * own {@link Residency} — and the read pays: planning sorts one device's residents by timestamp,
 * O(n log n) for the tens of models a device holds. An access-ordered {@code LinkedHashMap} would
 * put a lock (shared by every model) on the request path; Caffeine with a weigher would avoid that
 * with its buffered reads, but it decides evictions itself, after an insert, by W-TinyLFU
 * (frequency as well as recency), asynchronously — while here an eviction must be planned before a
 * load, must skip models that are serving (Caffeine can only pin by weight 0, which also hides
 * their memory), must be explained when impossible, and must pick a device. What remains of
 * Caffeine's lessons: an injectable clock, and times compared by difference.
 *
 * <p>Capacities: per device, a fraction of the GPU's memory (the rest is for CUDA contexts,
 * workspaces and the allocator's cached blocks), and a configured byte count for the host.
 *
 * <p>Thread-safe: admission and release are guarded by one lock per budget (held while planning,
 * which calls {@link Resident#isBusy()}; eviction callbacks run after it is released); {@link
 * Residency#touch()} takes no lock.
 */
public final class MemoryBudget {
  private static final System.Logger LOG = System.getLogger(MemoryBudget.class.getName());

  private final LongSupplier clock;
  private final Object lock = new Object();
  /** Capacity and used bytes per device label, in configuration order. Guarded by lock. */
  private final Map<String, long[]> devices = new LinkedHashMap<>();
  /** Guarded by lock. */
  private final List<Residency> residents = new ArrayList<>();

  private MemoryBudget(Map<String, Long> capacities, LongSupplier clock) {
    this.clock = clock;
    capacities.forEach((label, capacity) -> devices.put(label, new long[] {capacity, 0}));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Finds a device for a model of {@code bytes}, evicts what must leave, and counts the model there.
   *
   * @param model the model (and version) name, for messages
   * @param allowedDevices device labels the model may use (its instance group's), in preference order
   *     for ties; empty for any device
   * @param resident how to tell whether the model is busy, and how to evict it later
   * @return the model's residency, naming the device and what was evicted
   * @throws HadronException.ResourceExhausted when no allowed device can make room
   * @throws HadronException.InvalidArgument when an allowed device is not in this budget
   */
  public Residency admit(String model, long bytes, List<String> allowedDevices, Resident resident) {
    Objects.requireNonNull(resident, "resident");
    Residency admitted;
    List<Residency> victims = new ArrayList<>();
    synchronized (lock) {
      PlacementPlanner.Plan<Residency> plan = planLocked(model, bytes, allowedDevices);
      List<Footprint> evicted = new ArrayList<>();
      for (PlacementPlanner.Candidate<Residency> c : plan.victims()) {
        uncount(c.ref());
        victims.add(c.ref());
        evicted.add(c.footprint());
      }
      admitted = new Residency(this, new Footprint(model, plan.device(), bytes), evicted, resident, clock, clock.getAsLong());
      residents.add(admitted);
      devices.get(plan.device())[1] += bytes;
    }
    for (Residency v : victims) {
      try {
        v.callbacks().evict();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "evicting " + v.footprint() + " for " + model + " failed", e);
      }
    }
    return admitted;
  }

  /**
   * What {@link #admit} would do now, without doing it: the device and the models it would evict.
   *
   * @throws HadronException.ResourceExhausted when no allowed device can make room
   */
  public Placement plan(String model, long bytes, List<String> allowedDevices) {
    synchronized (lock) {
      PlacementPlanner.Plan<Residency> plan = planLocked(model, bytes, allowedDevices);
      return new Placement(plan.device(), plan.victims().stream().map(PlacementPlanner.Candidate::footprint).toList());
    }
  }

  /**
   * Where a model would go and what would leave first. Immutable.
   *
   * @param device the device label
   * @param evictions least recently used first
   */
  public record Placement(String device, List<Footprint> evictions) {
    public Placement {
      Objects.requireNonNull(device, "device");
      evictions = List.copyOf(evictions);
    }
  }

  /** The models counted now, in admission order. */
  public List<Footprint> residents() {
    synchronized (lock) {
      return residents.stream().map(Residency::footprint).toList();
    }
  }

  public long capacityBytes(String device) {
    synchronized (lock) {
      return state(device)[0];
    }
  }

  public long usedBytes(String device) {
    synchronized (lock) {
      return state(device)[1];
    }
  }

  /** The device labels, in configuration order. */
  public List<String> devices() {
    synchronized (lock) {
      return List.copyOf(devices.keySet());
    }
  }

  void release(Residency r) {
    synchronized (lock) {
      uncount(r);
    }
  }

  boolean isResident(Residency r) {
    synchronized (lock) {
      return r.counted;
    }
  }

  private void uncount(Residency r) {
    if (r.counted) {
      r.counted = false;
      residents.remove(r);
      devices.get(r.device())[1] -= r.footprint().bytes();
    }
  }

  private long[] state(String device) {
    long[] s = devices.get(device);
    if (s == null) {
      throw new HadronException.InvalidArgument("unknown device '" + device + "'; this server has " + devices.keySet());
    }
    return s;
  }

  private PlacementPlanner.Plan<Residency> planLocked(String model, long bytes, List<String> allowed) {
    Objects.requireNonNull(model, "model");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes + " for model " + model);
    }
    List<String> labels = allowed.isEmpty() ? List.copyOf(devices.keySet()) : allowed;
    List<PlacementPlanner.Device> ds = new ArrayList<>(labels.size());
    for (String label : labels) {
      long[] s = state(label);
      ds.add(new PlacementPlanner.Device(label, s[0], s[1]));
    }
    List<PlacementPlanner.Candidate<Residency>> cs = new ArrayList<>();
    for (Residency r : residents) {
      if (labels.contains(r.device())) {
        cs.add(new PlacementPlanner.Candidate<>(r, r.footprint(), r.lastUsedNanos(), r.callbacks().isBusy()));
      }
    }
    return PlacementPlanner.plan(model, bytes, ds, cs);
  }

  /** Confined to the thread that builds. */
  public static final class Builder {
    private final Map<String, Long> capacities = new LinkedHashMap<>();
    private LongSupplier clock = System::nanoTime;

    private Builder() {}

    /** A device and the bytes of models it may hold. */
    public Builder device(String label, long capacityBytes) {
      if (label == null || label.isBlank()) {
        throw new IllegalArgumentException("device label must not be blank");
      }
      if (capacityBytes <= 0) {
        throw new IllegalArgumentException("capacity of device " + label + " must be > 0, got " + capacityBytes);
      }
      if (capacities.putIfAbsent(label, capacityBytes) != null) {
        throw new IllegalArgumentException("device " + label + " is configured twice");
      }
      return this;
    }

    /** The host ("cpu") and the bytes of models it may hold. */
    public Builder cpu(long capacityBytes) {
      return device("cpu", capacityBytes);
    }

    /** Every GPU, each with {@code fraction} (in (0, 1]) of its memory, for instance 0.9. */
    public Builder gpus(GpuDevices gpus, double fraction) {
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("GPU memory fraction must be in (0, 1], got " + fraction);
      }
      for (GpuDevice d : gpus.list()) {
        device(d.label(), (long) Math.floor(d.totalMemoryBytes() * fraction));
      }
      return this;
    }

    /** The nanosecond clock recency is read from; {@code System::nanoTime} unless a test fakes it. */
    public Builder clock(LongSupplier nanoClock) {
      this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    public MemoryBudget build() {
      if (capacities.isEmpty()) {
        throw new IllegalArgumentException("a memory budget needs at least one device");
      }
      return new MemoryBudget(capacities, clock);
    }
  }
}
