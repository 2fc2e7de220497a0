package io.hadron.batching;

import static io.hadron.batching.Fixtures.config;
import static io.hadron.batching.Fixtures.dynamic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hadron.core.config.QueuePolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The queue lists and the deadline heap against a plain model of them, checked after every
 * operation, with deadlines that straddle {@link Long#MAX_VALUE}.
 */
class RequestQueuesTest {
  private static final int LEVELS = 3;
  private final BatchPolicy policy = BatchPolicy.of("m", "1",
      config(8, dynamic(0, false, LEVELS, 1, new QueuePolicy(QueuePolicy.TimeoutAction.DELAY, 0, true, 0), Map.of())),
      SchedulerOptions.WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION);

  @Test
  void randomOperationsKeepDispatchOrderAndEarliestDeadline() {
    Random rnd = new Random(42);
    RequestQueues q = new RequestQueues(LEVELS);
    // The model: per level, an in-time list and a delayed list.
    List<List<Pending>> model = new ArrayList<>();
    for (int i = 0; i < 2 * LEVELS; i++) {
      model.add(new ArrayList<>());
    }
    List<Pending> withDeadline = new ArrayList<>();
    long now = Long.MAX_VALUE - 5_000_000;
    for (int step = 0; step < 5000; step++) {
      int op = rnd.nextInt(10);
      if (op < 5 || q.isEmpty()) {
        int priority = rnd.nextInt(LEVELS + 1);
        long timeout = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(10_000);
        Pending p = Pending.of(Fixtures.request(step, 1, priority, timeout, BatchRequest.NEVER_CANCELLED), policy);
        p.admit(now += rnd.nextInt(1000));
        q.add(p);
        model.get(2 * p.level).add(p);
        if (p.hasDeadline()) {
          withDeadline.add(p);
        }
      } else {
        List<Pending> all = flatten(model);
        Pending p = all.get(rnd.nextInt(all.size()));
        if (op < 8) {
          q.remove(p);
          for (List<Pending> l : model) {
            l.remove(p);
          }
          withDeadline.remove(p);
        } else if (p.heapIndex >= 0) {
          q.delay(p);
          for (List<Pending> l : model) {
            l.remove(p);
          }
          model.get(2 * p.level + 1).add(p);
          withDeadline.remove(p);
        }
      }
      assertEquals(flatten(model), walk(q));
      assertEquals(flatten(model).size(), q.size());
      Pending expected = withDeadline.stream()
          .min(Comparator.comparingLong(p -> p.deadlineNanos - Long.MAX_VALUE)).orElse(null);
      Pending top = q.deadlines.peek();
      if (expected == null) {
        assertNull(top);
      } else {
        assertEquals(expected.deadlineNanos, top.deadlineNanos);
      }
    }
  }

  @Test
  void heapPollsInDeadlineOrderAcrossOverflow() {
    DeadlineHeap h = new DeadlineHeap();
    List<Pending> ps = new ArrayList<>();
    Random rnd = new Random(7);
    for (int i = 0; i < 200; i++) {
      Pending p = Pending.of(Fixtures.request(i, 1, 1, 1, BatchRequest.NEVER_CANCELLED), policy);
      p.deadlineNanos = Long.MAX_VALUE - 1000 + rnd.nextInt(2000); // half of them wrap negative
      ps.add(p);
      h.add(p);
    }
    ps.sort(Comparator.comparingLong(p -> p.deadlineNanos - Long.MAX_VALUE));
    for (Pending p : ps) {
      assertEquals(p.deadlineNanos, h.poll().deadlineNanos);
    }
    assertNull(h.poll());
  }

  @Test
  void nextCrossesFromOneListToTheNext() {
    RequestQueues q = new RequestQueues(LEVELS);
    Pending a = Pending.of(Fixtures.request(1, 1, 3, 0, BatchRequest.NEVER_CANCELLED), policy);
    Pending b = Pending.of(Fixtures.request(2, 1, 1, 0, BatchRequest.NEVER_CANCELLED), policy);
    a.admit(0);
    b.admit(0);
    q.add(a);
    q.add(b);
    assertSame(b, q.first());
    assertSame(a, q.next(b));
    assertNull(q.next(a));
  }

  private static List<Pending> flatten(List<List<Pending>> model) {
    List<Pending> out = new ArrayList<>();
    model.forEach(out::addAll);
    return out;
  }

  private static List<Pending> walk(RequestQueues q) {
    List<Pending> out = new ArrayList<>();
    for (Pending p = q.first(); p != null; p = q.next(p)) {
      out.add(p);
    }
    return out;
  }
}
