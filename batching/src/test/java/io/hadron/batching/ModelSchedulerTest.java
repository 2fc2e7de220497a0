package io.hadron.batching;

import static io.hadron.batching.Fixtures.assertOwnOutput;
import static io.hadron.batching.Fixtures.await;
import static io.hadron.batching.Fixtures.config;
import static io.hadron.batching.Fixtures.dynamic;
import static io.hadron.batching.Fixtures.failure;
import static io.hadron.batching.Fixtures.options;
import static io.hadron.batching.Fixtures.request;
import static io.hadron.batching.Fixtures.settle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.config.QueuePolicy.TimeoutAction;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler with its threads, driven through fake instances that can be held mid-execution and a
 * fake clock. Nothing here sleeps or asserts on elapsed time: every wait is for an event.
 */
class ModelSchedulerTest {
  private final FakeClock clock = new FakeClock();
  private final List<ModelScheduler> started = new ArrayList<>();

  @AfterEach
  void closeAll() throws InterruptedException {
    for (ModelScheduler s : started) {
      s.close(Duration.ZERO);
      assertTrue(s.awaitTermination(Fixtures.PATIENCE), "threads stopped");
    }
  }

  private ModelScheduler start(ModelConfig config, ModelInstance... instances) {
    return start(config, options(clock), instances);
  }

  private ModelScheduler start(ModelConfig config, SchedulerOptions options, ModelInstance... instances) {
    ModelScheduler s = ModelScheduler.start("m", "1", config, List.of(instances), options);
    started.add(s);
    return s;
  }

  /**
   * Submits request 0 and waits until it occupies the (single, held) instance and the scheduler has
   * gone back to sleep: from then on, arrivals only queue until the instance frees or the test wakes
   * the scheduler.
   */
  private static CompletableFuture<List<Tensor>> occupy(ModelScheduler s, FakeInstance inst)
      throws InterruptedException {
    inst.hold();
    CompletableFuture<List<Tensor>> f = s.submit(request(0, 1));
    inst.awaitStarted(1);
    settle(s);
    return f;
  }

  @Test
  void requestsQueuedWhileTheInstanceIsBusyRunAsBatchesInArrivalOrder() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), inst);
    var first = occupy(s, inst);
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int id = 1; id <= 9; id++) {
      fs.add(s.submit(request(id, 1)));
    }
    settle(s);
    assertEquals(9, s.pendingRequests());
    assertEquals(1, s.executingBatches());
    inst.open();
    assertOwnOutput(0, 1, 2, await(first));
    for (int id = 1; id <= 9; id++) {
      assertOwnOutput(id, 1, 2, await(fs.get(id - 1)));
    }
    assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(9)), inst.batches());
  }

  @Test
  void requestsCarryingTheirOwnBatchNeverOverfillOne() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    int[] rows = {3, 2, 2, 1, 4};
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      fs.add(s.submit(request(i + 1, rows[i])));
    }
    settle(s);
    inst.open();
    for (int i = 0; i < rows.length; i++) {
      assertOwnOutput(i + 1, rows[i], 2, await(fs.get(i)));
    }
    assertEquals(List.of(List.of(0), List.of(1), List.of(2, 3), List.of(4), List.of(5)), inst.batches());
    assertTrue(inst.executions().stream().allMatch(e -> e.rows() <= 4));
  }

  @Test
  void oversizeRequestIsRefusedAtAdmissionWithAClearMessage() {
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), new FakeInstance());
    Throwable e = failure(s.submit(request(1, 5)));
    assertInstanceOf(HadronException.InvalidArgument.class, e);
    assertTrue(e.getMessage().contains("batch size 5, which exceeds max_batch_size 4"), e.getMessage());
  }

  @Test
  void priorityOutsideTheConfiguredLevelsIsRefused() {
    ModelScheduler s = start(config(4, dynamic(0, false, 2, 1, QueuePolicy.DEFAULT, Map.of())), new FakeInstance());
    Throwable e = failure(s.submit(request(1, 1, 3, 0, BatchRequest.NEVER_CANCELLED)));
    assertInstanceOf(HadronException.InvalidArgument.class, e);
    assertTrue(e.getMessage().contains("accepts 1..2"), e.getMessage());
    assertThrows(HadronException.InvalidArgument.class, () -> request(1, 1, -1, 0, BatchRequest.NEVER_CANCELLED));
  }

  @Test
  void higherPriorityRunsFirstAndEachLevelStaysFifo() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(2, dynamic(0, false, 2, 2, QueuePolicy.DEFAULT, Map.of())), inst);
    occupy(s, inst);
    int[][] plan = {{11, 2}, {21, 1}, {12, 0}, {22, 1}, {13, 2}, {23, 1}, {14, 0}};
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int[] p : plan) {
      fs.add(s.submit(request(p[0], 1, p[1], 0, BatchRequest.NEVER_CANCELLED)));
    }
    settle(s);
    inst.open();
    for (int i = 0; i < plan.length; i++) {
      assertOwnOutput(plan[i][0], 1, 2, await(fs.get(i)));
    }
    assertEquals(List.of(List.of(0), List.of(21, 22), List.of(23, 11), List.of(12, 13), List.of(14)), inst.batches());
  }

  @Test
  void preferredSizeDispatchesAtOnceAndASmallerBatchWaitsOutTheDelay() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(8, dynamic(List.of(4), 1000)), inst);
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      fs.add(s.submit(request(id, 1)));
    }
    settle(s);
    assertEquals(0, s.executingBatches(), "3 is not preferred and the delay has not passed");
    fs.add(s.submit(request(4, 1)));
    for (int id = 1; id <= 4; id++) {
      assertOwnOutput(id, 1, 2, await(fs.get(id - 1)));
    }
    assertEquals(List.of(List.of(1, 2, 3, 4)), inst.batches());

    var fifth = s.submit(request(5, 1));
    clock.advanceMicros(999);
    s.wakeUp();
    settle(s);
    assertEquals(1, s.pendingRequests());
    clock.advanceMicros(1);
    s.wakeUp();
    assertOwnOutput(5, 1, 2, await(fifth));
  }

  @Test
  void anIdleInstanceNeverLeavesARequestPastTheQueueDelay() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(8, dynamic(List.of(), 500)), inst);
    var a = s.submit(request(1, 1));
    clock.advanceMicros(300);
    var b = s.submit(request(2, 1));
    s.wakeUp();
    settle(s);
    assertEquals(2, s.pendingRequests());
    clock.advanceMicros(200); // request 1 has now waited exactly its delay; request 2 only 200 us
    s.wakeUp();
    assertOwnOutput(1, 1, 2, await(a));
    assertOwnOutput(2, 1, 2, await(b));
    assertEquals(List.of(List.of(1, 2)), inst.batches());
  }

  @Test
  void rejectTimeoutFailsTheRequestWhileEveryInstanceIsBusy() throws Exception {
    FakeInstance inst = new FakeInstance();
    QueuePolicy reject = new QueuePolicy(TimeoutAction.REJECT, 1000, false, 0);
    List<SchedulerListener.Rejection> rejections = Collections.synchronizedList(new ArrayList<>());
    SchedulerListener listener = new SchedulerListener() {
      @Override
      public void onReject(Rejection reason) {
        rejections.add(reason);
      }
    };
    ModelScheduler s = start(config(4, dynamic(0, false, 0, 0, reject, Map.of())),
        options(clock).withListener(listener), inst);
    var first = occupy(s, inst);
    var late = s.submit(request(1, 1));
    clock.advanceMicros(999);
    s.wakeUp();
    settle(s);
    assertFalse(late.isDone());
    clock.advanceMicros(1);
    s.wakeUp();
    Throwable e = failure(late);
    assertInstanceOf(HadronException.Unavailable.class, e);
    assertTrue(e.getMessage().startsWith("timed out"), e.getMessage());
    assertEquals(List.of(SchedulerListener.Rejection.TIMED_OUT), rejections);
    inst.open();
    assertOwnOutput(0, 1, 2, await(first));
    assertEquals(List.of(List.of(0)), inst.batches(), "the timed-out request never ran");
  }

  @Test
  void delayTimeoutMovesTheRequestBehindThoseStillInTimeAndStillRunsIt() throws Exception {
    FakeInstance inst = new FakeInstance();
    QueuePolicy delay = new QueuePolicy(TimeoutAction.DELAY, 1000, false, 0);
    ModelScheduler s = start(config(8, dynamic(0, false, 0, 0, delay, Map.of())), inst);
    occupy(s, inst); // request 0 ran before any timeout
    var r1 = s.submit(request(1, 1));
    clock.advanceMicros(500);
    var r2 = s.submit(request(2, 1));
    var r3 = s.submit(request(3, 1));
    clock.advanceMicros(600); // request 1 is overdue, 2 and 3 are not
    s.wakeUp();
    settle(s);
    inst.open();
    for (var f : List.of(r1, r2, r3)) {
      await(f);
    }
    assertEquals(List.of(List.of(0), List.of(2, 3, 1)), inst.batches());
  }

  @Test
  void timeoutOverrideOnlyShortensAndOnlyWhereAllowed() {
    QueuePolicy allow = new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0);
    QueuePolicy deny = new QueuePolicy(TimeoutAction.REJECT, 1000, false, 0);
    QueuePolicy none = new QueuePolicy(TimeoutAction.REJECT, 0, true, 0);
    DynamicBatching db = dynamic(0, false, 3, 1, allow, Map.of(2, deny, 3, none));
    BatchPolicy p = BatchPolicy.of("m", "1", config(4, db),
        SchedulerOptions.WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION);
    assertEquals(500_000, p.timeoutNanos(0, 500));
    assertEquals(1_000_000, p.timeoutNanos(0, 5000), "a longer request timeout does not extend the default");
    assertEquals(1_000_000, p.timeoutNanos(1, 500), "override not allowed");
    assertEquals(5_000_000, p.timeoutNanos(2, 5000), "no default: the request's own timeout");
    assertEquals(0, p.timeoutNanos(2, 0));
  }

  @Test
  void fullLevelRefusesAtOnceAndAcceptsAgainOnceItDrains() throws Exception {
    FakeInstance inst = new FakeInstance();
    QueuePolicy small = new QueuePolicy(TimeoutAction.REJECT, 0, false, 2);
    ModelScheduler s = start(config(4, dynamic(0, false, 0, 0, small, Map.of())), inst);
    occupy(s, inst);
    settle(s); // request 0 has left the queue
    var a = s.submit(request(1, 1));
    var b = s.submit(request(2, 1));
    var c = s.submit(request(3, 1));
    Throwable e = failure(c);
    assertInstanceOf(HadronException.Unavailable.class, e);
    assertTrue(e.getMessage().contains("exceeds maximum queue size 2"), e.getMessage());
    inst.open();
    await(a);
    await(b);
    assertOwnOutput(4, 1, 2, await(s.submit(request(4, 1))));
  }

  @Test
  void queueLimitsArePerPriorityLevel() throws Exception {
    FakeInstance inst = new FakeInstance();
    QueuePolicy one = new QueuePolicy(TimeoutAction.REJECT, 0, false, 1);
    ModelScheduler s = start(config(4, dynamic(0, false, 2, 2, QueuePolicy.DEFAULT, Map.of(1, one))), inst);
    occupy(s, inst);
    settle(s);
    var high = s.submit(request(1, 1, 1, 0, BatchRequest.NEVER_CANCELLED));
    var highFull = s.submit(request(2, 1, 1, 0, BatchRequest.NEVER_CANCELLED));
    var low = s.submit(request(3, 1, 2, 0, BatchRequest.NEVER_CANCELLED));
    var low2 = s.submit(request(4, 1, 0, 0, BatchRequest.NEVER_CANCELLED));
    assertTrue(failure(highFull).getMessage().contains("exceeds maximum queue size 1 of priority level 1"));
    inst.open();
    await(high);
    await(low);
    await(low2);
  }

  @Test
  void requestsOfDifferentShapesOrTypesAreBatchedOnlyWithTheirOwnKind() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(8, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    var x1 = s.submit(request(1, 1, 2));
    var x2 = s.submit(request(2, 2, 2));
    var y1 = s.submit(request(3, 1, 3));
    var y2 = s.submit(request(4, 1, 3));
    ByteBuffer ints = ByteBuffer.allocateDirect(8);
    var int1 = s.submit(new BatchRequest(
        List.of(new Tensor("x", DataType.INT32, new long[] {1, 2}, ints)), List.of("y")));
    var x3 = s.submit(request(5, 1, 2));
    settle(s);
    inst.open();
    assertOwnOutput(1, 1, 2, await(x1));
    assertOwnOutput(2, 2, 2, await(x2));
    assertOwnOutput(3, 1, 3, await(y1));
    assertOwnOutput(4, 1, 3, await(y2));
    assertArrayEquals(new long[] {1, 2}, await(int1).get(0).shape());
    assertOwnOutput(5, 1, 2, await(x3));
    List<FakeInstance.Execution> ex = inst.executions();
    assertEquals(5, ex.size());
    assertEquals(List.of(1, 2), ex.get(1).requests());
    assertEquals(List.of(3, 4), ex.get(2).requests());
    assertEquals(1, ex.get(3).rows()); // the INT32 request alone
    assertEquals(List.of(5), ex.get(4).requests());
  }

  @Test
  void requestsAskingForDifferentOutputsAreNotCombined() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(8, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    var a = s.submit(new BatchRequest(List.of(Fixtures.x(1, 1, 2)), List.of("y")));
    var b = s.submit(new BatchRequest(List.of(Fixtures.x(2, 1, 2)), List.of("y", "z")));
    var c = s.submit(new BatchRequest(List.of(Fixtures.x(3, 1, 2)), List.of("y", "z")));
    settle(s);
    inst.open();
    assertEquals(1, await(a).size());
    assertEquals(List.of("y", "z"), await(b).stream().map(Tensor::name).toList());
    await(c);
    assertEquals(List.of(List.of(0), List.of(1), List.of(2, 3)), inst.batches());
  }

  @Test
  void eachInstanceRunsItsOwnBatchConcurrentlyOnItsOwnNamedThread() throws Exception {
    FakeInstance[] insts = {new FakeInstance(), new FakeInstance(), new FakeInstance()};
    for (FakeInstance i : insts) {
      i.hold();
    }
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), insts);
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int id = 0; id < 3; id++) {
      fs.add(s.submit(request(id, 1)));
      insts[id].awaitStarted(1); // the next request finds the next instance idle
    }
    fs.add(s.submit(request(3, 1)));
    settle(s);
    assertEquals(3, s.executingBatches(), "three batches executing at once");
    assertEquals(1, s.pendingRequests(), "the fourth waits for a free instance");
    for (int i = 0; i < 3; i++) {
      assertEquals("m/1/instance-" + i, insts[i].executions().get(0).thread());
    }
    for (FakeInstance i : insts) {
      i.open();
    }
    for (int id = 0; id < 4; id++) {
      assertOwnOutput(id, 1, 2, await(fs.get(id)));
    }
  }

  @Test
  void anEngineFailureFailsOnlyItsOwnBatchWithTheEnginesMessage() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(2, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    var ok1 = s.submit(request(1, 1));
    var ok2 = s.submit(request(2, 1));
    var boom = s.submit(request(-1, 1));
    var boomMate = s.submit(request(3, 1));
    var no = s.submit(request(-2, 1));
    var ok3 = s.submit(request(4, 1));
    settle(s);
    inst.open();
    assertOwnOutput(1, 1, 2, await(ok1));
    assertOwnOutput(2, 1, 2, await(ok2));
    Throwable e = failure(boom);
    assertInstanceOf(HadronException.Internal.class, e);
    assertTrue(e.getMessage().contains("boom"), e.getMessage());
    assertInstanceOf(IllegalStateException.class, e.getCause(), "cause kept");
    assertSame(e, failure(boomMate), "the whole batch shares the failure");
    Throwable e2 = failure(no);
    assertInstanceOf(HadronException.InvalidArgument.class, e2);
    assertEquals("engine says no", e2.getMessage());
    assertEquals(e2, failure(ok3), "request 4 shared the batch of request -2");
    assertOwnOutput(5, 1, 2, await(s.submit(request(5, 1))));
  }

  @Test
  void aRequestWhoseClientWentAwayIsDroppedNotExecuted() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(8, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    AtomicBoolean gone = new AtomicBoolean();
    var a = s.submit(request(1, 1));
    var b = s.submit(request(2, 1, 0, 0, gone::get));
    var c = s.submit(request(3, 1));
    var d = s.submit(request(4, 1));
    gone.set(true);
    d.cancel(false);
    settle(s);
    inst.open();
    await(a);
    await(c);
    Throwable e = failure(b);
    assertInstanceOf(HadronException.Unavailable.class, e);
    assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
    assertTrue(d.isCancelled());
    assertEquals(List.of(List.of(0), List.of(1, 3)), inst.batches());
  }

  @Test
  void closeDrainsQueuedAndRunningRequestsAndRefusesNewOnes() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(2, dynamic(List.of(), 1_000_000)), inst);
    inst.hold();
    var first = s.submit(request(0, 1));
    clock.advance(Duration.ofSeconds(1)); // request 0 has waited out the delay
    s.wakeUp();
    inst.awaitStarted(1);
    var queued = List.of(s.submit(request(1, 1)), s.submit(request(2, 1)), s.submit(request(3, 1)));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> s.close(Fixtures.PATIENCE));
    Fixtures.eventually(s::closing, "close() began");
    Throwable refused = failure(s.submit(request(9, 1)));
    assertTrue(refused.getMessage().contains("shutting down"), refused.getMessage());
    inst.open();
    assertOwnOutput(0, 1, 2, await(first));
    for (int i = 0; i < 3; i++) {
      assertOwnOutput(i + 1, 1, 2, await(queued.get(i)));
    }
    await(closing);
    assertTrue(s.awaitTermination(Fixtures.PATIENCE));
    assertEquals(List.of(List.of(0), List.of(1, 2), List.of(3)), inst.batches(),
        "closing dispatches without waiting for the (long) queue delay");
  }

  @Test
  void closeThatRunsOutOfTimeFailsWhatIsLeftExactlyOnce() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(1, dynamic(List.of(), 0)), inst);
    var running = occupy(s, inst);
    var queued = s.submit(request(1, 1));
    settle(s);
    s.close(Duration.ZERO);
    Throwable e1 = failure(running);
    Throwable e2 = failure(queued);
    assertInstanceOf(HadronException.Unavailable.class, e1);
    assertInstanceOf(HadronException.Unavailable.class, e2);
    assertTrue(e2.getMessage().contains("shut down"), e2.getMessage());
    inst.open(); // the engine call returns late; the request must not complete twice
    assertTrue(s.awaitTermination(Fixtures.PATIENCE));
    assertSame(e1, failure(running));
    assertEquals(List.of(List.of(0)), inst.batches(), "the queued request never ran");
  }

  @Test
  void modelWithoutBatchingRunsOneRequestPerExecution() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(0, null), inst);
    inst.hold();
    List<CompletableFuture<List<Tensor>>> fs = new ArrayList<>();
    for (int id = 0; id < 3; id++) {
      fs.add(s.submit(new BatchRequest(List.of(unbatched(id)), List.of("y"))));
    }
    inst.awaitStarted(1);
    settle(s);
    inst.open();
    for (var f : fs) {
      assertArrayEquals(new long[] {2}, await(f).get(0).shape());
    }
    assertEquals(3, inst.executions().size());
  }

  @Test
  void withoutADynamicBatchingBlockEachExecutionTakesOneRequestUnlessAskedOtherwise() throws Exception {
    for (var mode : SchedulerOptions.WithoutDynamicBatching.values()) {
      FakeInstance inst = new FakeInstance();
      ModelScheduler s = start(config(8, null), options(clock).withWithoutDynamicBatching(mode), inst);
      occupy(s, inst);
      var fs = List.of(s.submit(request(1, 2)), s.submit(request(2, 1)), s.submit(request(3, 1)));
      settle(s);
      inst.open();
      for (var f : fs) {
        await(f);
      }
      List<List<Integer>> expected = mode == SchedulerOptions.WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION
          ? List.of(List.of(0), List.of(1), List.of(2), List.of(3))
          : List.of(List.of(0), List.of(1, 2, 3));
      assertEquals(expected, inst.batches(), mode.toString());
    }
  }

  @Test
  void preserveOrderingHoldsALaterBatchUntilTheEarlierOneCompletes() throws Exception {
    FakeInstance slow = new FakeInstance();
    FakeInstance fast = new FakeInstance();
    ModelScheduler s = start(config(1, dynamic(0, true, 0, 0, QueuePolicy.DEFAULT, Map.of())), slow, fast);
    List<Integer> completed = Collections.synchronizedList(new ArrayList<>());
    var a = occupy(s, slow).whenComplete((r, e) -> completed.add(0));
    var b = s.submit(request(1, 1)).whenComplete((r, e) -> completed.add(1));
    fast.awaitStarted(1);
    Fixtures.eventually(() -> s.executingBatches() == 1, "the fast batch was handed over for completion");
    assertFalse(b.isDone(), "request 1 finished first but must wait for request 0");
    slow.open();
    await(a);
    await(b);
    assertEquals(List.of(0, 1), completed);
  }

  @Test
  void listenerSeesOneEventPerBatchAndAThrowingListenerHarmsNothing() throws Exception {
    FakeInstance inst = new FakeInstance();
    List<int[]> batches = Collections.synchronizedList(new ArrayList<>());
    SchedulerListener listener = new SchedulerListener() {
      @Override
      public void onBatch(BatchEvent batch) {
        batches.add(new int[] {batch.instance(), batch.requestCount(), batch.rows(), batch.failed() ? 1 : 0});
        throw new IllegalStateException("listener bug");
      }
    };
    ModelScheduler s = start(config(8, dynamic(List.of(), 0)), options(clock).withListener(listener), inst);
    occupy(s, inst);
    var a = s.submit(request(1, 2));
    var b = s.submit(request(2, 3));
    settle(s);
    inst.open();
    await(a);
    await(b);
    // Events of different batches may come from different threads, in either order.
    List<List<Integer>> seen = batches.stream().map(ev -> List.of(ev[0], ev[1], ev[2], ev[3])).sorted(
        java.util.Comparator.comparing(l -> l.get(1))).toList();
    assertEquals(List.of(List.of(0, 1, 1, 0), List.of(0, 2, 5, 0)), seen);
  }

  @Test
  void instanceThreadSetUpRunsOnEachInstanceThreadBeforeItsFirstBatch() throws Exception {
    ThreadLocal<Boolean> setUp = ThreadLocal.withInitial(() -> false);
    List<String> setUpThreads = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> setUpBeforeRun = Collections.synchronizedList(new ArrayList<>());
    FakeInstance inst = new FakeInstance();
    ModelInstance checking = new ModelInstance() {
      @Override
      public String device() {
        return inst.device();
      }

      @Override
      public List<Tensor> execute(List<Tensor> inputs, List<String> outputNames) {
        setUpBeforeRun.add(setUp.get());
        return inst.execute(inputs, outputNames);
      }
    };
    Runnable setUpHook = () -> {
      setUp.set(true);
      setUpThreads.add(Thread.currentThread().getName());
    };
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)),
        options(clock).withInstanceThreadSetup(setUpHook), checking);
    inst.open();
    assertOwnOutput(7, 1, 2, await(s.submit(request(7, 1))));
    assertEquals(List.of(true), setUpBeforeRun);
    assertEquals(List.of("m/1/instance-0"), setUpThreads);
  }

  @Test
  void anInstanceWhoseThreadSetUpFailsStillServes() throws Exception {
    FakeInstance inst = new FakeInstance();
    inst.open();
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), options(clock).withInstanceThreadSetup(() -> {
      throw new IllegalStateException("no scheduling class for you");
    }), inst);
    assertOwnOutput(3, 2, 2, await(s.submit(request(3, 2))));
    assertEquals("m/1/instance-0", inst.executions().get(0).thread());
  }

  @Test
  void listenerReadsEachRequestsQueueTimeAndTheEngineTimeOfItsBatch() throws Exception {
    FakeInstance inst = new FakeInstance();
    // The engine call takes 3 ms of fake time, so that it is told apart from the queue wait.
    ModelInstance timed = new ModelInstance() {
      @Override
      public String device() {
        return inst.device();
      }

      @Override
      public List<Tensor> execute(List<Tensor> inputs, List<String> outputNames) {
        List<Tensor> out = inst.execute(inputs, outputNames);
        clock.advance(Duration.ofMillis(3));
        return out;
      }
    };
    List<long[]> events = Collections.synchronizedList(new ArrayList<>());
    SchedulerListener listener = new SchedulerListener() {
      @Override
      public void onBatch(BatchEvent b) {
        long[] e = new long[4 + b.requestCount()];
        e[0] = b.rows();
        e[1] = b.queueNanosTotal();
        e[2] = b.inferNanos();
        e[3] = b.inputNanos() + b.outputNanos();
        for (int i = 0; i < b.requestCount(); i++) {
          e[4 + i] = b.queueNanos(i);
        }
        events.add(e);
      }
    };
    ModelScheduler s = start(config(8, dynamic(List.of(), 0)), options(clock).withListener(listener), timed);
    var first = occupy(s, inst); // admitted at t0, runs at once
    var a = s.submit(request(1, 2)); // admitted at t0
    clock.advance(Duration.ofMillis(2));
    var b = s.submit(request(2, 1)); // admitted at t0 + 2 ms
    settle(s);
    inst.open(); // the first batch ends at t0 + 5 ms; [a, b] starts then
    await(first);
    await(a);
    await(b);
    Fixtures.eventually(() -> events.size() == 2, "both batches reported");
    long ms = Duration.ofMillis(1).toNanos();
    long[] lone = events.stream().filter(e -> e[0] == 1).findFirst().orElseThrow();
    long[] pair = events.stream().filter(e -> e[0] == 3).findFirst().orElseThrow();
    assertArrayEquals(new long[] {1, 0, 5 * ms, 0, 0}, lone);
    assertArrayEquals(new long[] {3, 8 * ms, 3 * ms, 0, 5 * ms, 3 * ms}, pair);
  }

  @Test
  void aBatchThatCanNoLongerGrowIsFormedAheadAndStillDropsAClientThatLeaves() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(2, dynamic(List.of(), 0)), inst);
    occupy(s, inst);
    AtomicBoolean gone = new AtomicBoolean();
    var r1 = s.submit(request(1, 1));
    var r2 = s.submit(request(2, 1, 0, 0, gone::get));
    var r3 = s.submit(request(3, 1));
    s.wakeUp(); // a cycle while the instance is busy: [1, 2] is full, so it is formed now
    settle(s);
    assertEquals(1, s.pendingRequests(), "only request 3 is still queued");
    assertEquals(2, s.executingBatches(), "the running batch and the ready one");
    gone.set(true);
    inst.open();
    assertOwnOutput(1, 1, 2, await(r1));
    assertTrue(failure(r2).getMessage().contains("cancelled"));
    assertOwnOutput(3, 1, 2, await(r3));
    assertEquals(List.of(List.of(0), List.of(1), List.of(3)), inst.batches());
  }

  @Test
  void withWorkWaitingTheCompleterThreadCompletesSoTheInstanceMovesOn() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), inst);
    var first = occupy(s, inst);
    List<String> completedOn = Collections.synchronizedList(new ArrayList<>());
    var done = first.whenComplete((r, e) -> completedOn.add(Thread.currentThread().getName()));
    var second = s.submit(request(1, 1));
    settle(s);
    inst.open();
    await(done);
    await(second);
    assertEquals(List.of("m/1/completer"), completedOn);
  }

  @Test
  void closeFromOneOfTheSchedulersOwnThreadsIsRefused() throws Exception {
    FakeInstance inst = new FakeInstance();
    ModelScheduler s = start(config(4, dynamic(List.of(), 0)), inst);
    inst.hold(); // so that the stage below is attached before the future completes
    var attempt = s.submit(request(1, 1)).thenApply(out -> {
      try {
        s.close();
        return "closed";
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    });
    inst.open();
    assertTrue(await(attempt).contains("close() called from its own thread m/1/"), await(attempt));
  }

  @Test
  void schedulerRefusesToStartWithoutInstances() {
    assertThrows(IllegalArgumentException.class,
        () -> ModelScheduler.start("m", "1", config(4, null), List.of(), options(clock)));
  }

  private static Tensor unbatched(int id) {
    ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(id).putFloat(0).flip();
    return new Tensor("x", DataType.FP32, new long[] {2}, b);
  }
}
