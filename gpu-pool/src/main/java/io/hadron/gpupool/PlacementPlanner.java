package io.hadron.gpupool;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.List;

/**
 * The decision of a {@link MemoryBudget}, as a pure function of a snapshot: which device takes a
 * model and which residents leave to make room.
 *
 * <ol>
 *   <li>If some allowed device has room, the <em>best fit</em>: the one left with the least free
 *       memory after placement (it keeps large holes elsewhere for large models, as best-fit
 *       allocation does); ties go to the earlier device in the allowed order.
 *   <li>Otherwise, per allowed device whose capacity could hold the model at all, the idle
 *       residents in least-recently-used order are taken until enough is free: only as many as
 *       needed, never a busy one. Among devices where that works, the one whose most recently used
 *       victim is the least recent wins — the plan that discards the coldest work, which is what a
 *       global LRU would evict first; ties go to fewer evicted bytes, then to the allowed order.
 *   <li>Otherwise {@link HadronException.ResourceExhausted}, naming the model, its footprint and per
 *       device the capacity, the use and the busy residents that pin it.
 * </ol>
 *
 * <p>Times are {@code System.nanoTime()}-style readings: only differences mean anything, so every
 * comparison is of the form {@code a - b < 0}, which stays right across overflow.
 *
 * <p>Immutable (static and pure).
 */
final class PlacementPlanner {
  private PlacementPlanner() {}

  /** A device as the planner sees it: capacity and bytes already counted. */
  record Device(String label, long capacityBytes, long usedBytes) {
    long freeBytes() {
      return capacityBytes - usedBytes;
    }
  }

  /** A resident as the planner sees it; {@code ref} is the caller's handle, returned in the plan. */
  record Candidate<T>(T ref, Footprint footprint, long lastUsedNanos, boolean busy) {}

  /** Where the model goes, and who leaves first (least recently used first). */
  record Plan<T>(String device, List<Candidate<T>> victims) {}

  /**
   * @param devices the allowed devices, in preference order for ties
   * @param residents every resident of those devices (others are ignored)
   */
  static <T> Plan<T> plan(String model, long bytes, List<Device> devices, List<Candidate<T>> residents) {
    Device best = null;
    for (Device d : devices) {
      if (d.freeBytes() >= bytes && (best == null || d.freeBytes() < best.freeBytes())) {
        best = d;
      }
    }
    if (best != null) {
      return new Plan<>(best.label(), List.of());
    }

    Plan<T> chosen = null;
    long chosenNewest = 0;
    long chosenBytes = 0;
    for (Device d : devices) {
      if (d.capacityBytes() < bytes) {
        continue;
      }
      List<Candidate<T>> idle = new ArrayList<>();
      for (Candidate<T> c : residents) {
        if (!c.busy() && c.footprint().device().equals(d.label())) {
          idle.add(c);
        }
      }
      idle.sort((a, b) -> Long.signum(a.lastUsedNanos() - b.lastUsedNanos()));
      long free = d.freeBytes();
      List<Candidate<T>> victims = new ArrayList<>();
      for (Candidate<T> c : idle) {
        if (free >= bytes) {
          break;
        }
        victims.add(c);
        free += c.footprint().bytes();
      }
      if (free < bytes) {
        continue;
      }
      long newest = victims.getLast().lastUsedNanos();
      long evictedBytes = 0;
      for (Candidate<T> c : victims) {
        evictedBytes += c.footprint().bytes();
      }
      long byAge = chosen == null ? -1 : newest - chosenNewest;
      if (chosen == null || byAge < 0 || (byAge == 0 && evictedBytes < chosenBytes)) {
        chosen = new Plan<>(d.label(), List.copyOf(victims));
        chosenNewest = newest;
        chosenBytes = evictedBytes;
      }
    }
    if (chosen != null) {
      return chosen;
    }
    throw new HadronException.ResourceExhausted(explain(model, bytes, devices, residents));
  }

  private static <T> String explain(String model, long bytes, List<Device> devices, List<Candidate<T>> residents) {
    StringBuilder sb = new StringBuilder()
        .append("cannot place model '")
        .append(model)
        .append("' (")
        .append(bytes)
        .append(" bytes) on ")
        .append(devices.stream().map(Device::label).toList())
        .append(':');
    for (Device d : devices) {
      sb.append(' ').append(d.label()).append(" has capacity ").append(d.capacityBytes());
      if (d.capacityBytes() < bytes) {
        sb.append(", less than the model needs;");
        continue;
      }
      sb.append(", ").append(d.usedBytes()).append(" in use");
      List<String> busy = new ArrayList<>();
      long busyBytes = 0;
      for (Candidate<T> c : residents) {
        if (c.busy() && c.footprint().device().equals(d.label())) {
          busy.add(c.footprint().model() + " (" + c.footprint().bytes() + " bytes)");
          busyBytes += c.footprint().bytes();
        }
      }
      sb.append(", ")
          .append(busyBytes)
          .append(" of it pinned by busy models ")
          .append(busy)
          .append(';');
    }
    sb.setLength(sb.length() - 1);
    return sb.toString();
  }
}
