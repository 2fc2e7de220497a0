package io.hadron.batching;

import static io.hadron.batching.Fixtures.config;
import static io.hadron.batching.Fixtures.dynamic;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.QueuePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batching rule alone: queue contents and a time in, a decision out. No threads. */
class BatchFormerTest {
  private static final long T0 = FakeClock.START; // near overflow on purpose
  private final List<Pending> dropped = new ArrayList<>();

  private BatchPolicy policy(int maxBatch, DynamicBatching db) {
    return BatchPolicy.of("m", "1", config(maxBatch, db),
        SchedulerOptions.WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION);
  }

  private static Pending queued(RequestQueues q, BatchPolicy policy, BatchRequest r, long arrival) {
    Pending p = Pending.of(r, policy);
    p.admit(arrival);
    q.add(p);
    return p;
  }

  private BatchFormer former(BatchPolicy policy, RequestQueues q) {
    return new BatchFormer(policy, p -> {
      q.remove(p);
      dropped.add(p);
    });
  }

  @Test
  void emptyQueueGivesNothingToDo() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 0));
    assertEquals(BatchFormer.EMPTY, former(policy, new RequestQueues(1)).plan(new RequestQueues(1), T0, false));
  }

  @Test
  void zeroDelayDispatchesWhateverIsQueued() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 0));
    RequestQueues q = new RequestQueues(1);
    for (int i = 0; i < 3; i++) {
      queued(q, policy, Fixtures.request(i, 1), T0);
    }
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(3, f.count);
    assertEquals(3, f.rows);
  }

  @Test
  void waitsForTheOldestRequestsDelayAndNotLonger() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 500));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 1), T0);
    queued(q, policy, Fixtures.request(2, 1), T0 + 200_000);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.WAIT, f.plan(q, T0 + 499_999, false));
    assertEquals(T0 + 500_000, f.waitUntil);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0 + 500_000, false));
    assertEquals(2, f.count);
  }

  @Test
  void fullBatchGoesWithoutWaiting() {
    BatchPolicy policy = policy(4, dynamic(List.of(), 1_000_000));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 3), T0);
    queued(q, policy, Fixtures.request(2, 1), T0);
    queued(q, policy, Fixtures.request(3, 1), T0);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(2, f.count);
    assertEquals(4, f.rows);
  }

  @Test
  void aRequestThatDoesNotFitClosesTheRunInsteadOfBeingSkipped() {
    BatchPolicy policy = policy(4, dynamic(List.of(), 1_000_000));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 2), T0);
    queued(q, policy, Fixtures.request(2, 3), T0); // 2 + 3 > 4
    queued(q, policy, Fixtures.request(3, 1), T0); // would fit, but must not overtake request 2
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(1, f.count);
    assertEquals(2, f.rows);
  }

  @Test
  void anIncompatibleShapeClosesTheRun() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 1_000_000));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 1, 2), T0);
    queued(q, policy, Fixtures.request(2, 1, 2), T0);
    queued(q, policy, Fixtures.request(3, 1, 3), T0);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(2, f.count);
  }

  @Test
  void largestReachablePreferredSizeGoesAtOnce() {
    BatchPolicy policy = policy(16, dynamic(List.of(2, 4, 8), 1_000_000));
    RequestQueues q = new RequestQueues(1);
    for (int i = 0; i < 6; i++) {
      queued(q, policy, Fixtures.request(i, 1), T0);
    }
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(4, f.count);
    assertEquals(4, f.rows);
  }

  @Test
  void preferredSizeThatNoPrefixHitsIsWaitedForThenAbandonedAtTheDelay() {
    BatchPolicy policy = policy(16, dynamic(List.of(4), 100));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 3), T0);
    queued(q, policy, Fixtures.request(2, 3), T0); // prefixes 3 and 6: never 4
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.WAIT, f.plan(q, T0, false));
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0 + 100_000, false));
    assertEquals(6, f.rows);
  }

  @Test
  void drainingNeverWaits() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 1_000_000));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 1), T0);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.WAIT, f.plan(q, T0, false));
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, true));
  }

  @Test
  void higherPriorityLevelComesFirstAndLevelsCombineInQueueOrder() {
    BatchPolicy policy = policy(3, dynamic(0, false, 2, 2, QueuePolicy.DEFAULT, Map.of()));
    RequestQueues q = new RequestQueues(2);
    Pending low1 = queued(q, policy, Fixtures.request(1, 1, 2, 0, BatchRequest.NEVER_CANCELLED), T0);
    Pending high = queued(q, policy, Fixtures.request(2, 1, 1, 0, BatchRequest.NEVER_CANCELLED), T0 + 1);
    Pending low2 = queued(q, policy, Fixtures.request(3, 1, 0, 0, BatchRequest.NEVER_CANCELLED), T0 + 2);
    assertEquals(List.of(high, low1, low2), order(q));
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0 + 2, false));
    assertEquals(3, f.count);
  }

  @Test
  void oldestRequestInTheRunSetsTheDelayNotTheHead() {
    BatchPolicy policy = policy(8, dynamic(100, false, 2, 2, QueuePolicy.DEFAULT, Map.of()));
    RequestQueues q = new RequestQueues(2);
    queued(q, policy, Fixtures.request(1, 1, 2, 0, BatchRequest.NEVER_CANCELLED), T0); // older, lower level
    queued(q, policy, Fixtures.request(2, 1, 1, 0, BatchRequest.NEVER_CANCELLED), T0 + 90_000);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.WAIT, f.plan(q, T0 + 90_000, false));
    assertEquals(T0 + 100_000, f.waitUntil);
  }

  @Test
  void abandonedRequestsAreDroppedWhereTheScanMeetsThemWithoutBreakingTheRun() {
    BatchPolicy policy = policy(8, dynamic(List.of(), 0));
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 1), T0);
    Pending gone = queued(q, policy, Fixtures.request(2, 1, 0, 0, () -> true), T0);
    queued(q, policy, Fixtures.request(3, 1), T0);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(2, f.count);
    assertEquals(List.of(gone), dropped);
    assertEquals(2, q.size());
  }

  @Test
  void withoutCombiningEveryBatchIsOneRequest() {
    BatchPolicy policy = policy(8, null); // no dynamic_batching block: Triton runs one at a time
    RequestQueues q = new RequestQueues(1);
    queued(q, policy, Fixtures.request(1, 2), T0);
    queued(q, policy, Fixtures.request(2, 1), T0);
    BatchFormer f = former(policy, q);
    assertEquals(BatchFormer.DISPATCH, f.plan(q, T0, false));
    assertEquals(1, f.count);
    assertEquals(2, f.rows);
  }

  private static List<Pending> order(RequestQueues q) {
    List<Pending> out = new ArrayList<>();
    for (Pending p = q.first(); p != null; p = q.next(p)) {
      out.add(p);
    }
    return out;
  }
}
