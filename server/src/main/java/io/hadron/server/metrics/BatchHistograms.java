package io.hadron.server.metrics;

import io.hadron.batching.SchedulerListener.BatchEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;

/**
 * The per-batch histograms of one model version — queue wait (one sample per request), compute
 * input, infer and output (one per batch) and rows per batch — kept in one flat array per
 * instance, so that a batch's recording touches a few neighbouring cache lines with plain atomic
 * adds and reads no clock.
 *
 * <p>Why not Micrometer timers, as for the other meters: a Micrometer timer record updates a count
 * and a total (two striped adders), a time-window maximum (a ring of three atomics and a rotation
 * check that reads the wall clock) and a bucket array with its own rotation check; measured in
 * the server on Triton's {@code simple} model, the five records of a batch cost about 4% of the
 * server's CPU per request, twice the whole metrics budget, although each costs only about 60 ns
 * in isolation: it is the cache lines they touch between requests that cost. Here a record is one
 * binary search and two adds on the instance's own array (the instance thread is its only writer
 * unless two instances share an index after a reload), and the expensive work — summing
 * instances, cumulating buckets — happens on a scrape, in {@link HistogramCollector}.
 *
 * <p>Thread-safe: writers add with {@link VarHandle#getAndAdd} (atomic, so a shared index stays
 * exact); a scrape reads each cell with acquire ordering, so it sees a consistent-enough snapshot
 * (a batch recorded during the scrape may show in one histogram and not yet in another, as with
 * any Prometheus client).
 */
final class BatchHistograms {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

  /** The histograms kept, in array order. */
  enum Kind {
    QUEUE, INPUT, INFER, OUTPUT, BATCH_SIZE
  }

  private final long[] latencyBounds;
  private final long[] sizeBounds;
  /** Per instance: for each kind, its bucket counts (one per bound, then +Inf) and its sum. */
  private final long[][] cells;
  private final List<String> instanceDevices;
  private final int[] offset = new int[Kind.values().length];
  private final int width;

  /**
   * @param latencyBoundsNanos upper bounds of the latency buckets, ascending
   * @param sizeBounds upper bounds of the batch-size buckets, ascending
   * @param instanceDevices the device of each instance, by instance index
   */
  BatchHistograms(long[] latencyBoundsNanos, long[] sizeBounds, List<String> instanceDevices) {
    this.latencyBounds = latencyBoundsNanos.clone();
    this.sizeBounds = sizeBounds.clone();
    this.instanceDevices = List.copyOf(instanceDevices);
    int at = 0;
    for (Kind k : Kind.values()) {
      offset[k.ordinal()] = at;
      at += bounds(k).length + 2; // buckets, +Inf, sum
    }
    width = at;
    cells = new long[Math.max(1, instanceDevices.size())][width];
  }

  private long[] bounds(Kind k) {
    return k == Kind.BATCH_SIZE ? sizeBounds : latencyBounds;
  }

  /** Records a successful batch: each request's queue wait, the batch's compute times and rows. */
  void record(BatchEvent b) {
    int instance = b.instance();
    long[] c = cells[instance >= 0 && instance < cells.length ? instance : 0];
    for (int i = 0, n = b.requestCount(); i < n; i++) {
      add(c, Kind.QUEUE, b.queueNanos(i));
    }
    add(c, Kind.INPUT, b.inputNanos());
    add(c, Kind.INFER, b.inferNanos());
    add(c, Kind.OUTPUT, b.outputNanos());
    add(c, Kind.BATCH_SIZE, b.rows());
  }

  private void add(long[] c, Kind k, long value) {
    long[] bounds = bounds(k);
    int base = offset[k.ordinal()];
    int i = Arrays.binarySearch(bounds, value);
    int bucket = i >= 0 ? i : -i - 1; // the first bound >= value; bounds.length for +Inf
    CELLS.getAndAdd(c, base + bucket, 1L);
    CELLS.getAndAdd(c, base + bounds.length + 1, Math.max(0, value));
  }

  /** The devices that have instances, in first-instance order. */
  List<String> devices() {
    return instanceDevices.isEmpty() ? List.of("cpu") : instanceDevices.stream().distinct().toList();
  }

  /** One histogram of one device, instances summed: per-bucket (not cumulative) counts and the sum. */
  record Snapshot(long[] counts, long sum) {
    long count() {
      long n = 0;
      for (long c : counts) {
        n += c;
      }
      return n;
    }
  }

  Snapshot snapshot(Kind k, String device) {
    long[] bounds = bounds(k);
    int base = offset[k.ordinal()];
    long[] counts = new long[bounds.length + 1];
    long sum = 0;
    for (int inst = 0; inst < cells.length; inst++) {
      String d = instanceDevices.isEmpty() ? "cpu" : instanceDevices.get(inst);
      if (!d.equals(device)) {
        continue;
      }
      for (int b = 0; b <= bounds.length; b++) {
        counts[b] += (long) CELLS.getAcquire(cells[inst], base + b);
      }
      sum += (long) CELLS.getAcquire(cells[inst], base + bounds.length + 1);
    }
    return new Snapshot(counts, sum);
  }

  /** Every request's queue wait, whatever the device. */
  Snapshot queue() {
    Snapshot total = null;
    for (String d : devices()) {
      Snapshot s = snapshot(Kind.QUEUE, d);
      if (total == null) {
        total = s;
      } else {
        for (int i = 0; i < s.counts.length; i++) {
          total.counts[i] += s.counts[i];
        }
        total = new Snapshot(total.counts, total.sum + s.sum);
      }
    }
    return total;
  }

  long[] latencyBounds() {
    return latencyBounds.clone();
  }

  long[] sizeBounds() {
    return sizeBounds.clone();
  }
}
