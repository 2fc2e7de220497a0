package io.hadron.batching;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop benchmark of the scheduler against simulated instances.
 *
 * <p><b>Question.</b> With instances whose batch of b rows takes exactly {@code a + c·b} (a = 2 ms,
 * c = 0.25 ms/row, max_batch_size 32, no queue delay), what fraction of the ideal throughput
 * ({@code instances × max_batch / t(max_batch)}) does the scheduler reach with 1, 16, 64 and 256
 * closed-loop clients on 1 and 2 instances, and what latency does it add? The ideal is reachable
 * only when there are enough clients to fill every instance's batch; for fewer clients the table
 * also gives the even-split bound {@code N·b/t(b)} with {@code b = min(max, clients/N)}, the most
 * any batcher can get from that many outstanding requests (b/t(b) is concave). At medium load a
 * batcher that never holds an idle instance back (zero queue delay) stays well below that bound in
 * a closed loop, since the clients of the batch that just finished are not back yet when the
 * instance frees; {@code --delay-us} shows the trade. At one client the interesting figure is the
 * latency added over t(1): submission, hand-offs, assembly, slicing and completion.
 *
 * <p><b>Method.</b> First the JIT is warmed up on fast simulated instances (tens of thousands of
 * batches of every size), since a few hundred slow batches would be measured half-interpreted.
 * Then, for each row of the table, each client thread submits a one-row FP32 request, waits for its
 * response and repeats; after a warm-up, the requests that complete within a fixed window are
 * counted, with their latencies.
 * An instance waits out its simulated time precisely: {@code parkNanos} until 200 µs before the end,
 * then spins, since sleeping alone overshoots by tens of microseconds.
 *
 * <p><b>Run</b> (not part of the test suite), from the repository root:
 *
 * <pre>
 * ./mvnw -B -f batching/pom.xml -Pbench test-compile exec:exec
 * ./mvnw -B -f batching/pom.xml -Pbench test-compile exec:exec -Dbench.args="--seconds 5 --warmup 2 --clients 1,256"
 * </pre>
 *
 * Options: {@code --seconds} (measured, per row), {@code --warmup} (per row), {@code --jit-warmup}
 * (once, before all rows), {@code --clients},
 * {@code --instances}, {@code --a-us}, {@code --c-us}, {@code --max}, {@code --delay-us}.
 */
public final class BatchingBenchmark {
  private static final long SPIN_NANOS = 200_000;

  private BatchingBenchmark() {}

  /** A model instance that takes a + c·rows, precisely, and returns a copy of its input. */
  static final class SimulatedInstance implements ModelInstance {
    private final long aNanos;
    private final long cNanos;

    SimulatedInstance(long aNanos, long cNanos) {
      this.aNanos = aNanos;
      this.cNanos = cNanos;
    }

    @Override
    public String device() {
      return "sim";
    }

    @Override
    public List<Tensor> execute(List<Tensor> inputs, List<String> outputNames) {
      Tensor in = inputs.get(0);
      long end = System.nanoTime() + aNanos + cNanos * in.dim(0);
      ByteBuffer out = ByteBuffer.allocateDirect(in.byteSize()).put(in.data()).flip();
      long remaining;
      while ((remaining = end - System.nanoTime()) > SPIN_NANOS) {
        LockSupport.parkNanos(remaining - SPIN_NANOS);
      }
      while (end - System.nanoTime() > 0) {
        Thread.onSpinWait();
      }
      return List.of(new Tensor(outputNames.get(0), in.datatype(), in.shape(), out));
    }
  }

  record Settings(double seconds, double warmup, double jitWarmup, int[] clients, int[] instances,
      long aMicros, long cMicros,
      int maxBatch, long delayMicros) {
    long tNanos(long rows) {
      return (aMicros + cMicros * rows) * 1000;
    }
  }

  record Result(int instances, int clients, double throughput, double ideal, double bound, long p50, long p99,
      double meanBatch) {}

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    System.out.printf("# a=%d us, c=%d us/row, max_batch_size=%d, max_queue_delay=%d us, %.0f s measured per row,"
            + " %d CPUs, %s%n", s.aMicros(), s.cMicros(), s.maxBatch(), s.delayMicros(), s.seconds(),
        Runtime.getRuntime().availableProcessors(), Runtime.version());
    if (s.jitWarmup() > 0) {
      // Fast instances (50 us + 2 us/row): every path (full and partial batches, one request, one
      // client) runs many thousands of times before anything is measured.
      Settings fast = new Settings(s.jitWarmup() / 2, 0, 0, s.clients(), s.instances(), 50, 2, s.maxBatch(),
          s.delayMicros());
      run(fast, 2, 64);
      run(fast, 1, 1);
      System.err.println("done: JIT warm-up");
    }
    List<Result> results = new ArrayList<>();
    for (int n : s.instances()) {
      for (int c : s.clients()) {
        Result r = run(s, n, c);
        results.add(r);
        System.err.printf("done: %d instance(s), %d client(s)%n", n, c);
      }
    }
    System.out.println();
    System.out.println("| instances | clients | throughput (req/s) | of ideal | of even-split bound | mean batch"
        + " | p50 latency | p99 latency | p50 over t(1) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      System.out.printf("| %d | %d | %.0f | %.3f | %.3f | %.1f | %.3f ms | %.3f ms | %s |%n",
          r.instances(), r.clients(), r.throughput(), r.throughput() / r.ideal(), r.throughput() / r.bound(),
          r.meanBatch(), r.p50() / 1e6, r.p99() / 1e6,
          r.clients() == 1 ? String.format("%.1f us", (r.p50() - s.tNanos(1)) / 1e3) : "");
    }
  }

  private static Result run(Settings s, int instances, int clients) throws Exception {
    List<ModelInstance> sims = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      sims.add(new SimulatedInstance(s.aMicros() * 1000, s.cMicros() * 1000));
    }
    ModelConfig config = ModelConfig.builder("sim").maxBatchSize(s.maxBatch())
        .dynamicBatching(new DynamicBatching(List.of(), s.delayMicros(), false, 0, 0, QueuePolicy.DEFAULT, Map.of()))
        .build();
    AtomicLong batches = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    SchedulerListener listener = new SchedulerListener() {
      @Override
      public void onBatch(BatchEvent batch) {
        batches.incrementAndGet();
        rows.addAndGet(batch.rows());
      }
    };
    ModelScheduler scheduler = ModelScheduler.start("sim", "1", config, sims,
        SchedulerOptions.defaults().withListener(listener));

    ByteBuffer data = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    BatchRequest request = new BatchRequest(
        List.of(new Tensor("x", DataType.FP32, new long[] {1, 4}, data)), List.of("y"));
    long start = System.nanoTime();
    long measureFrom = start + (long) (s.warmup() * 1e9);
    long measureTo = measureFrom + (long) (s.seconds() * 1e9);
    long[][] latencies = new long[clients][];
    int[] counts = new int[clients];
    Thread[] threads = new Thread[clients];
    long batchesAtStart = 0;
    long rowsAtStart = 0;
    for (int i = 0; i < clients; i++) {
      int client = i;
      threads[i] = Thread.ofPlatform().name("client-" + i).start(() -> {
        long[] lat = new long[1024];
        int n = 0;
        while (true) {
          long t0 = System.nanoTime();
          if (t0 - measureTo >= 0) {
            break;
          }
          scheduler.submit(request).join();
          long t1 = System.nanoTime();
          // Count by completion time: a request counts if it completes inside the window, whenever
          // it was sent (counting by send time would shorten the window by one latency).
          if (t1 - measureFrom >= 0 && t1 - measureTo < 0) {
            if (n == lat.length) {
              lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = t1 - t0;
          }
        }
        latencies[client] = lat;
        counts[client] = n;
      });
    }
    LockSupport.parkNanos(measureFrom - System.nanoTime());
    batchesAtStart = batches.get();
    rowsAtStart = rows.get();
    LockSupport.parkNanos(measureTo - System.nanoTime());
    long measuredBatches = batches.get() - batchesAtStart;
    long measuredRows = rows.get() - rowsAtStart;
    for (Thread t : threads) {
      t.join();
    }
    scheduler.close(Duration.ofSeconds(10));

    int total = 0;
    for (int c : counts) {
      total += c;
    }
    long[] all = new long[total];
    int k = 0;
    for (int i = 0; i < clients; i++) {
      System.arraycopy(latencies[i], 0, all, k, counts[i]);
      k += counts[i];
    }
    Arrays.sort(all);
    double throughput = total / s.seconds();
    double ideal = instances * s.maxBatch() * 1e9 / s.tNanos(s.maxBatch());
    long b = Math.max(1, Math.min(s.maxBatch(), clients / instances));
    double bound = Math.min(ideal, Math.min(instances, clients) * b * 1e9 / s.tNanos(b));
    return new Result(instances, clients, throughput, ideal, bound, percentile(all, 0.50), percentile(all, 0.99),
        measuredBatches == 0 ? 0 : (double) measuredRows / measuredBatches);
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static Settings parse(String[] args) {
    double seconds = 3;
    double warmup = 1;
    double jitWarmup = 6;
    int[] clients = {1, 16, 64, 256};
    int[] instances = {1, 2};
    long a = 2000;
    long c = 250;
    int max = 32;
    long delay = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(v);
        case "--warmup" -> warmup = Double.parseDouble(v);
        case "--jit-warmup" -> jitWarmup = Double.parseDouble(v);
        case "--clients" -> clients = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--instances" -> instances = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--a-us" -> a = Long.parseLong(v);
        case "--c-us" -> c = Long.parseLong(v);
        case "--max" -> max = Integer.parseInt(v);
        case "--delay-us" -> delay = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    return new Settings(seconds, warmup, jitWarmup, clients, instances, a, c, max, delay);
  }
}
