package io.hadron.batching;

import static io.hadron.batching.Fixtures.assertOwnOutput;
import static io.hadron.batching.Fixtures.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.config.QueuePolicy.TimeoutAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many threads, thousands of requests of random sizes, shapes, priorities, timeouts and
 * cancellations, on the real clock. Only invariants are asserted, never timings: every request
 * completes exactly once, with its own outputs or an allowed failure; no request runs twice, no
 * cancelled one runs at all; no batch exceeds max_batch_size; and within a priority level nothing is
 * overtaken.
 */
class SchedulerRandomizedTest {
  private static final int THREADS = 16;
  private static final int PER_THREAD = 250;
  private static final int MAX_BATCH = 8;

  private record Sent(int id, int rows, int width, int priority, boolean cancelledUpFront,
      CompletableFuture<List<Tensor>> future) {}

  @ParameterizedTest(name = "max_queue_delay {0} us")
  @ValueSource(longs = {0, 50})
  void everyRequestCompletesExactlyOnceWithItsOwnOutputsUnderConcurrency(long delayMicros) throws Exception {
    Map<Integer, QueuePolicy> levels = Map.of(
        2, new QueuePolicy(TimeoutAction.REJECT, 0, true, 0),
        3, new QueuePolicy(TimeoutAction.DELAY, 200, false, 0));
    DynamicBatching db = new DynamicBatching(List.of(4, 8), delayMicros, true, 3, 1, QueuePolicy.DEFAULT, levels);
    FakeInstance[] insts = {new FakeInstance(), new FakeInstance(), new FakeInstance()};
    AtomicInteger batches = new AtomicInteger();
    AtomicInteger oversize = new AtomicInteger();
    SchedulerListener listener = new SchedulerListener() {
      @Override
      public void onBatch(BatchEvent batch) {
        batches.incrementAndGet();
        if (batch.rows() > MAX_BATCH) {
          oversize.incrementAndGet();
        }
      }
    };
    ModelScheduler s = ModelScheduler.start("m", "1", config(MAX_BATCH, db), List.of(insts),
        SchedulerOptions.defaults().withListener(listener));
    AtomicIntegerArray completions = new AtomicIntegerArray(THREADS * PER_THREAD);
    List<Sent> sent = submitFromManyThreads(s, (rnd, id) -> {
      int rows = 1 + rnd.nextInt(3);
      int width = 2 + rnd.nextInt(2);
      int priority = rnd.nextInt(4);
      long timeout = priority == 2 && rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(300) : 0;
      boolean cancelled = rnd.nextInt(20) == 0;
      BatchRequest r = new BatchRequest(List.of(Fixtures.x(id, rows, width)), List.of("y"), priority,
          timeout, () -> cancelled);
      CompletableFuture<List<Tensor>> f = s.submit(r);
      f.whenComplete((out, e) -> completions.incrementAndGet(id));
      return new Sent(id, rows, width, priority, cancelled, f);
    });

    Map<Integer, Integer> executedRows = new HashMap<>();
    int executions = 0;
    for (FakeInstance inst : insts) {
      for (FakeInstance.Execution e : inst.executions()) {
        executions++;
        assertTrue(e.rows() <= MAX_BATCH, "batch of " + e.rows());
        for (int id : e.rowIds()) {
          executedRows.merge(id, 1, Integer::sum);
        }
      }
    }
    for (Sent x : sent) {
      assertTrue(x.future().isDone());
      assertEquals(1, completions.get(x.id()), "request " + x.id() + " completions");
      if (x.cancelledUpFront()) {
        assertTrue(x.future().isCompletedExceptionally(), "cancelled request " + x.id() + " completed normally");
        assertEquals(null, executedRows.get(x.id()), "cancelled request " + x.id() + " ran");
        continue;
      }
      if (x.future().isCompletedExceptionally()) {
        Throwable e = Fixtures.failure(x.future());
        assertInstanceOf(HadronException.Unavailable.class, e);
        assertTrue(e.getMessage().startsWith("timed out"), e.getMessage());
        assertEquals(null, executedRows.get(x.id()), "timed-out request " + x.id() + " ran");
        continue;
      }
      assertOwnOutput(x.id(), x.rows(), x.width(), x.future().get());
      assertEquals(x.rows(), executedRows.get(x.id()), "request " + x.id() + " ran more than once");
    }
    assertEquals(executions, batches.get(), "one listener event per execution");
    assertEquals(0, oversize.get());
    assertEquals(0, s.pendingRequests());
    s.close(Duration.ofSeconds(5));
    assertTrue(s.awaitTermination(Fixtures.PATIENCE));
  }

  @ParameterizedTest(name = "max_queue_delay {0} us")
  @ValueSource(longs = {0, 20})
  void noRequestIsOvertakenByALaterOneOfItsOwnPriority(long delayMicros) throws Exception {
    DynamicBatching db = new DynamicBatching(List.of(), delayMicros, false, 2, 2, QueuePolicy.DEFAULT, Map.of());
    FakeInstance inst = new FakeInstance();
    ModelScheduler s =
        ModelScheduler.start("m", "1", config(MAX_BATCH, db), List.of(inst), SchedulerOptions.defaults());
    List<Sent> sent = submitFromManyThreads(s, (rnd, id) -> {
      int priority = 1 + rnd.nextInt(2);
      BatchRequest r = new BatchRequest(List.of(Fixtures.x(id, 1, 2 + rnd.nextInt(2))), List.of("y"), priority, 0,
          BatchRequest.NEVER_CANCELLED);
      return new Sent(id, 1, 0, priority, false, s.submit(r));
    });
    for (Sent x : sent) {
      Fixtures.await(x.future());
    }
    // One instance: execution order is dispatch order. Each thread submitted its ids in increasing
    // order, one after the other, so per thread and level the executed ids must increase.
    Map<Integer, Integer> priorityOf = new HashMap<>();
    sent.forEach(x -> priorityOf.put(x.id(), x.priority()));
    Map<Long, Integer> lastSeen = new HashMap<>();
    for (FakeInstance.Execution e : inst.executions()) {
      for (int id : e.rowIds()) {
        long key = (long) (id / PER_THREAD) << 8 | priorityOf.get(id);
        Integer before = lastSeen.put(key, id);
        assertTrue(before == null || before < id, "request " + id + " ran after " + before);
      }
    }
    s.close(Duration.ofSeconds(5));
    assertTrue(s.awaitTermination(Fixtures.PATIENCE));
  }

  private interface Submitter {
    Sent submit(SplittableRandom rnd, int id);
  }

  /** Submits PER_THREAD requests from each of THREADS threads at once; waits until all complete. */
  private static List<Sent> submitFromManyThreads(ModelScheduler s, Submitter submitter) throws Exception {
    List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      threads.add(Thread.ofPlatform().start(() -> {
        SplittableRandom rnd = new SplittableRandom(1234 + thread);
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < PER_THREAD; i++) {
          sent.add(submitter.submit(rnd, thread * PER_THREAD + i));
          if (rnd.nextInt(8) == 0) {
            Thread.yield();
          }
        }
      }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(Fixtures.PATIENCE.toMillis());
    }
    assertEquals(THREADS * PER_THREAD, sent.size());
    CompletableFuture.allOf(sent.stream().map(Sent::future).toArray(CompletableFuture[]::new))
        .exceptionally(e -> null).get(Fixtures.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    return new ArrayList<>(sent);
  }
}
