package io.hadron.loadtests.load;

import io.hadron.loadtests.client.Http1Connection;
import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.Reply;
import io.hadron.loadtests.client.Target;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A closed-loop load: {@code clients} threads, each with its own keep-alive connection, each sending
 * its next request the moment its last one is answered. Throughput is then the server's capacity at
 * that concurrency, and latency what a client at that concurrency sees.
 *
 * <p>Timeline: all connections open, then a warm-up (answers not counted), then the measurement
 * window, then clients stop sending and the run waits up to a grace period for the requests still in
 * flight. Requests still unanswered after it are counted, and their connections closed. Every
 * request started inside the window and answered well has its latency kept, including those
 * answered after the window; throughput counts the good answers that arrived inside it. CPU time of
 * this process, of the server and of the whole machine is read at both ends of the window.
 *
 * <p>Platform threads and blocking sockets: a blocked read wakes on the packet with no executor hop,
 * the lowest-latency way to wait for one answer.
 *
 * <p>Thread-safe: {@link #run} may be called from any thread; each call owns its clients.
 */
public final class ClosedLoop {
  private ClosedLoop() {}

  /**
   * How one run is timed.
   *
   * @param clients concurrent clients (1 to 4096)
   * @param warmup time before the window, answers not counted
   * @param measure the window
   * @param grace how long to wait after the window for answers still due
   */
  public record Settings(int clients, Duration warmup, Duration measure, Duration grace) {
    public Settings {
      if (clients < 1 || clients > 4096) {
        throw new IllegalArgumentException("clients must be between 1 and 4096, got " + clients);
      }
      if (warmup.isNegative() || measure.isNegative() || measure.isZero() || grace.isNegative()) {
        throw new IllegalArgumentException("warmup and grace must be >= 0 and measure > 0, got warmup " + warmup
            + ", measure " + measure + ", grace " + grace);
      }
    }
  }

  /** Runs the load; returns once every client has stopped or been cut off. */
  public static ClosedLoopResult run(Target target, Payload payload, Settings s, CpuClock server)
      throws IOException, InterruptedException {
    byte[] request = payload.requestBytes(target.host());
    CpuClock self = CpuClock.self();
    CpuClock machine = CpuClock.machine();
    List<Client> clients = new ArrayList<>(s.clients);
    AtomicReference<String> firstError = new AtomicReference<>("");
    CountDownLatch go = new CountDownLatch(1);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long measureStart = start + s.warmup.toNanos();
    long end = measureStart + s.measure.toNanos();
    try {
      for (int i = 0; i < s.clients; i++) {
        // No read timeout: a request that never ends is cut off by close() and counted unanswered.
        Http1Connection c = new Http1Connection(target, 0);
        clients.add(new Client(c, request, payload.minResponseBytes(), measureStart, end, go, firstError));
        c.connect();
      }
      List<Thread> threads = new ArrayList<>(clients.size());
      for (int i = 0; i < clients.size(); i++) {
        threads.add(Thread.ofPlatform().name("closed-loop-" + i).daemon().start(clients.get(i)));
      }
      go.countDown();
      sleepUntil(measureStart);
      long client0 = self.cpuNanos();
      long server0 = server.cpuNanos();
      long machine0 = machine.cpuNanos();
      sleepUntil(end);
      long client1 = self.cpuNanos();
      long server1 = server.cpuNanos();
      long machine1 = machine.cpuNanos();
      long deadline = end + s.grace.toNanos();
      long unanswered = 0;
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      for (int i = 0; i < clients.size(); i++) {
        if (threads.get(i).isAlive()) {
          unanswered += clients.get(i).abort();
        }
      }
      List<LatencyRecorder> recorders = new ArrayList<>();
      long completed = 0;
      long errors = 0;
      long connects = 0;
      for (int i = 0; i < clients.size(); i++) {
        threads.get(i).join();
        Client c = clients.get(i);
        recorders.add(c.latencies);
        completed += c.completed;
        errors += c.errors;
        connects += c.connection.connects();
      }
      return new ClosedLoopResult(s.clients, end - measureStart, completed, Latencies.merge(recorders), errors,
          firstError.get(), unanswered, diff(client0, client1), diff(server0, server1), diff(machine0, machine1),
          connects);
    } finally {
      for (Client c : clients) {
        c.connection.close();
      }
    }
  }

  private static long diff(long a, long b) {
    return a < 0 || b < 0 ? -1 : b - a;
  }

  static void sleepUntil(long deadline) throws InterruptedException {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** One client: confined to its thread, read by the runner after a join. */
  private static final class Client implements Runnable {
    final Http1Connection connection;
    final LatencyRecorder latencies = new LatencyRecorder();
    private final byte[] request;
    private final long minResponse;
    private final long measureStart;
    private final long end;
    private final CountDownLatch go;
    private final AtomicReference<String> firstError;
    private volatile boolean inFlight;
    private volatile boolean aborted;
    long completed;
    long errors;

    Client(Http1Connection connection, byte[] request, long minResponse, long measureStart, long end,
        CountDownLatch go, AtomicReference<String> firstError) {
      this.connection = connection;
      this.request = request;
      this.minResponse = minResponse;
      this.measureStart = measureStart;
      this.end = end;
      this.go = go;
      this.firstError = firstError;
    }

    @Override
    public void run() {
      try {
        go.await();
      } catch (InterruptedException e) {
        return;
      }
      while (!aborted) {
        long t0 = System.nanoTime();
        if (t0 - end >= 0) {
          return;
        }
        inFlight = true;
        try {
          Reply r = connection.exchange(request);
          long t1 = System.nanoTime();
          inFlight = false;
          if (r.status() == 200 && r.bodyLength() >= minResponse) {
            if (t0 - measureStart >= 0) {
              latencies.record(t1 - t0);
            }
            if (t1 - measureStart >= 0 && t1 - end <= 0) {
              completed++;
            }
          } else {
            error("HTTP " + r.status() + ", " + r.bodyLength() + " bytes: " + r.errorText());
          }
        } catch (IOException e) {
          inFlight = false;
          if (aborted) {
            return;
          }
          error(e.toString());
          // Do not spin against a server that refuses connections.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
      }
    }

    private void error(String what) {
      errors++;
      firstError.compareAndSet("", what);
    }

    /** Cuts the client off; returns 1 if a request was in flight (it stays unanswered), else 0. */
    int abort() {
      // Read before aborting: the request in flight is the one that went unanswered.
      int pending = inFlight ? 1 : 0;
      aborted = true;
      connection.close();
      return pending;
    }
  }
}
