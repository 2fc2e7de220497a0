package io.hadron.loadtests.load;

import io.hadron.loadtests.client.Http1Connection;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Reply;
import io.hadron.loadtests.client.Target;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An open-loop load: requests are sent on a fixed schedule (evenly spaced at {@code rate} per
 * second) whether or not earlier ones have been answered, as independent users arrive. It is the
 * load that shows what a server does past its capacity: a closed loop slows down with the server and
 * never overloads it.
 *
 * <p>Each request runs on its own virtual thread with a keep-alive connection from a pool (opened
 * on demand up to {@code maxConnections}; a request that finds none left is counted as not sent).
 * Latency is taken from the request's scheduled time, not from when it was actually written, so
 * that a client falling behind shows up as latency instead of silently sending less (no coordinated
 * omission). After the schedule ends the run waits up to a grace period; requests still open then
 * are counted unanswered and their connections closed.
 *
 * <p>Thread-safe: {@link #run} may be called from any thread; each call owns its connections.
 */
public final class OpenLoop {
  private static final int PENDING = 0;
  private static final int ANSWERED = 1;
  private static final int REJECTED = 2;
  private static final int ERROR = 3;
  private static final int NOT_SENT = 4;

  private OpenLoop() {}

  /**
   * @param rate requests per second (above 0, at most 100,000)
   * @param duration how long to offer them
   * @param grace how long to wait afterwards for answers still due
   * @param maxConnections the most connections open at once (1 to 16,384)
   */
  public record Settings(double rate, Duration duration, Duration grace, int maxConnections) {
    public Settings {
      if (!(rate > 0 && rate <= 100_000)) {
        throw new IllegalArgumentException("rate must be in (0, 100000] per second, got " + rate);
      }
      if (duration.isNegative() || duration.isZero() || grace.isNegative()) {
        throw new IllegalArgumentException("duration must be > 0 and grace >= 0, got " + duration + ", " + grace);
      }
      if (maxConnections < 1 || maxConnections > 16_384) {
        throw new IllegalArgumentException("maxConnections must be between 1 and 16384, got " + maxConnections);
      }
    }

    long requests() {
      return Math.max(1, (long) Math.floor(rate * duration.toNanos() / 1e9));
    }
  }

  public static OpenLoopResult run(Target target, Payload payload, Settings s, CpuClock server)
      throws InterruptedException {
    long n = s.requests();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("too many requests in one run: " + n);
    }
    Run run = new Run(target, payload, s, (int) n);
    CpuClock self = CpuClock.self();
    CpuClock machine = CpuClock.machine();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      run.prewarm(Math.min(s.maxConnections, 16));
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      long client0 = self.cpuNanos();
      long server0 = server.cpuNanos();
      long machine0 = machine.cpuNanos();
      double period = 1e9 / s.rate;
      for (int i = 0; i < n; i++) {
        long scheduled = start + (long) (i * period);
        ClosedLoop.sleepUntil(scheduled);
        int index = i;
        executor.execute(() -> run.send(index, scheduled));
      }
      long end = start + (long) (n * period);
      ClosedLoop.sleepUntil(end);
      long client1 = self.cpuNanos();
      long server1 = server.cpuNanos();
      long machine1 = machine.cpuNanos();
      long deadline = end + s.grace.toNanos();
      while (run.open.get() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
      run.closeAll();
      executor.shutdownNow();
      return run.result(s.rate, end - start, diff(client0, client1), diff(server0, server1),
          diff(machine0, machine1));
    } finally {
      run.closeAll();
    }
  }

  private static long diff(long a, long b) {
    return a < 0 || b < 0 ? -1 : b - a;
  }

  /** The state of one run, shared by its request threads. Thread-safe. */
  private static final class Run {
    private final Target target;
    private final byte[] request;
    private final long minResponse;
    private final int maxConnections;
    private final AtomicLongArray latency;
    private final AtomicIntegerArray outcome;
    private final Queue<Http1Connection> idle = new ConcurrentLinkedQueue<>();
    private final Set<Http1Connection> all = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>("");
    final AtomicInteger open = new AtomicInteger();
    private volatile boolean closing;

    Run(Target target, Payload payload, Settings s, int n) {
      this.target = target;
      this.request = payload.requestBytes(target.host());
      this.minResponse = payload.minResponseBytes();
      this.maxConnections = s.maxConnections;
      this.latency = new AtomicLongArray(n);
      this.outcome = new AtomicIntegerArray(n);
    }

    void prewarm(int count) {
      for (int i = 0; i < count; i++) {
        Http1Connection c = newConnection();
        try {
          c.connect();
        } catch (IOException e) {
          firstError.compareAndSet("", "connect: " + e);
        }
        idle.add(c);
      }
    }

    private Http1Connection newConnection() {
      connections.incrementAndGet();
      // No read timeout: a request that never ends is cut off by closeAll() and counted unanswered.
      Http1Connection c = new Http1Connection(target, 0);
      all.add(c);
      return c;
    }

    void send(int i, long scheduled) {
      open.incrementAndGet();
      try {
        Http1Connection c = idle.poll();
        if (c == null) {
          if (connections.get() >= maxConnections) {
            outcome.set(i, NOT_SENT);
            return;
          }
          c = newConnection();
        }
        try {
          Reply r = c.exchange(request);
          latency.set(i, System.nanoTime() - scheduled);
          if (r.status() == 200 && r.bodyLength() >= minResponse) {
            outcome.set(i, ANSWERED);
          } else if (r.status() == 503) {
            outcome.set(i, REJECTED);
          } else {
            firstError.compareAndSet("", "HTTP " + r.status() + ", " + r.bodyLength() + " bytes: " + r.errorText());
            outcome.set(i, ERROR);
          }
          idle.add(c);
        } catch (IOException e) {
          if (!closing) {
            firstError.compareAndSet("", e.toString());
            outcome.set(i, ERROR);
          }
          // A failed connection is not reused; its slot is freed for a new one.
          all.remove(c);
          connections.decrementAndGet();
        }
      } finally {
        open.decrementAndGet();
      }
    }

    void closeAll() {
      closing = true;
      for (Http1Connection c : all) {
        c.close();
      }
    }

    OpenLoopResult result(double rate, long durationNanos, long clientCpu, long serverCpu, long machineCpu) {
      List<Long> ok = new ArrayList<>();
      List<Long> rejected = new ArrayList<>();
      long errors = 0;
      long notSent = 0;
      long unanswered = 0;
      for (int i = 0; i < outcome.length(); i++) {
        switch (outcome.get(i)) {
          case ANSWERED -> ok.add(latency.get(i));
          case REJECTED -> rejected.add(latency.get(i));
          case ERROR -> errors++;
          case NOT_SENT -> notSent++;
          default -> unanswered++;
        }
      }
      return new OpenLoopResult(rate, durationNanos, outcome.length(), Latencies.of(unbox(ok)),
          Latencies.of(unbox(rejected)), errors, firstError.get(), notSent, unanswered, clientCpu, serverCpu,
          machineCpu);
    }

    private static long[] unbox(List<Long> values) {
      return values.stream().mapToLong(Long::longValue).toArray();
    }
  }
}
