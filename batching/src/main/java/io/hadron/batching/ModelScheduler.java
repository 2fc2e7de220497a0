package io.hadron.batching;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.ModelInstance;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The dynamic batcher of one loaded model version: it queues requests by priority, combines
 * compatible ones into batches, runs each batch on a free instance and hands every request its own
 * slice of the outputs. Every model goes through one, batching or not.
 *
 * <h2>Threads and who owns what</h2>
 *
 * <ul>
 *   <li><b>Submitting threads</b> (the server's event loops) only prepare a request and offer it to
 *       the {@link Mailbox}; admission is a single critical section that checks the lifecycle state
 *       and the level's {@code max_queue_size}, counts the request and appends it (or hands it to
 *       an instance lent for exactly that, see below), and returns a typed verdict. Nothing on this
 *       path blocks beyond that lock or runs the model.
 *   <li><b>The scheduler thread</b> ({@code <model>/<version>/scheduler}) is the one owner of the
 *       queues and of the set of idle instances. Each cycle it splices in everything the mailbox
 *       collected (arrivals, instances that became free, lifecycle changes), expires overdue
 *       requests, gives each idle instance a batch while the rule below says so, and sleeps until
 *       the next event or the nearest deadline. A cycle's work is bounded: O(1) to take the events,
 *       at most {@value SchedulerLoop#ABSORB_PER_CYCLE} arrivals queued (O(1) each, O(log n) with a
 *       deadline), {@value SchedulerLoop#EXPIRE_PER_CYCLE} expiries and {@value
 *       BatchFormer#MAX_DROPS_PER_SCAN} drops per scan, and O(max_batch_size) per batch formed.
 *   <li><b>Instance threads</b> ({@code <model>/<version>/instance-<i>}, one platform thread per
 *       {@link ModelInstance}, which stays confined to it; each first runs the options' {@link
 *       SchedulerOptions#instanceThreadSetup}) assemble, execute, return buffers and
 *       take their next batch or report themselves free. With nothing else waiting they then
 *       slice the outputs and complete the futures themselves, the shortest path for a lone client.
 *   <li><b>The completer thread</b> ({@code <model>/<version>/completer}) slices and completes for
 *       an instance that has more work waiting, so that waking a batch's clients (each a context
 *       switch) never delays the next batch.
 * </ul>
 *
 * <h2>Queue order</h2>
 *
 * Priority levels are served strictly, level 1 first. Within a level, requests wait in arrival
 * order, and a batch is always a prefix of the queue, so dispatch order is queue order: no request
 * is ever overtaken by a later request of its own level. The one exception is the one the
 * configuration asks for: a request that times out under {@code timeout_action: DELAY} moves behind
 * every in-time request of its level (it still runs, before anything of a lower level). Strict
 * priority means a lower level waits while a higher level has work, as in Triton; within a level
 * nothing starves, because the head of the queue is always in the next batch that level gets.
 *
 * <h2>The batching rule</h2>
 *
 * A decision is made only when an instance is idle (work conservation: no batch is ever formed for
 * an instance that cannot run it, so a batch grows for as long as every instance is busy). The
 * candidate batch is the longest prefix of the queue whose requests are compatible with the head
 * (same outputs asked for, same inputs, datatypes and dimensions apart from the batch dimension) and
 * whose batch sizes add up to at most {@code max_batch_size}. The run stops at the first request
 * that does not fit; it does not skip over it to pick later compatible ones, since that would
 * overtake it. (A run may span priority levels; it follows queue order.) Then:
 *
 * <ol>
 *   <li>if some prefix of the run adds up to a {@code preferred_batch_size}, the longest such
 *       prefix is dispatched now;
 *   <li>otherwise, if the run cannot grow (it is full, the next request does not fit, or the
 *       scheduler is closing), or its oldest request (not necessarily the head: a DELAYed or
 *       lower-level request may be older) has waited {@code max_queue_delay_microseconds}, the
 *       whole run is dispatched now;
 *   <li>otherwise the instance stays idle until that request's delay runs out, or an arrival
 *       changes the picture, whichever comes first.
 * </ol>
 *
 * <p>Two refinements save thread hand-offs without changing any decision. At low load: when the
 * scheduler goes to sleep with an idle instance, nothing queued and no queue delay to wait out (a
 * lone request would be dispatched at once), it lends that instance to the mailbox, and so does an
 * instance that finishes while all that holds; the next arrival is handed to it directly under the
 * admission lock, the very batch the scheduler would have formed, without waking the scheduler.
 * At high load: when every instance is busy and the head batch can no longer change (rule 2's
 * "cannot grow", or a preferred size within such a run), the scheduler forms it at once and parks
 * it in a ready slot. The first instance to finish takes it directly, with no hand-off through the
 * scheduler thread, and the scheduler forms the one after meanwhile. A batch still open to growth
 * is never formed early. Such a batch counts as dispatched: a request in it no longer times out,
 * and a higher-priority request arriving meanwhile runs right after it (one batch of inversion at
 * most); a request whose client goes away is still dropped, by the instance, before it runs. The
 * scheduler thread stays the one owner of the queues: the lent instance and the ready batch are
 * decisions it made ahead, and it takes both back when it wakes.
 *
 * <p>So an idle instance never leaves a request waiting beyond its queue delay, and preferred sizes
 * are honoured whenever the queue reaches one in time. With a zero delay (the default) a batch is
 * whatever has queued while the instances were busy, which under load is a full batch: batch size
 * adapts to load without any timer. Requests of other shapes are never blocked by a run they do not
 * fit: the run is closed at once and they lead the next one, which the next free instance takes.
 * Interleaved shapes therefore make small batches; bucketing or padding inputs on the client side
 * is the remedy, never reordering here. These are the semantics of Triton's dynamic batcher, whose
 * model configuration this scheduler implements field by field.
 *
 * <p>A model with {@code max_batch_size} 0 runs one request per execution, and so (as in Triton) does
 * a batching model whose configuration has no {@code dynamic_batching} block, unless {@link
 * SchedulerOptions.WithoutDynamicBatching#DEFAULT_DYNAMIC_BATCHING} says otherwise. Both still go
 * through the queue, its priority levels and policies, and the instance threads.
 *
 * <h2>Timeouts, cancellation, limits</h2>
 *
 * A request's deadline is its arrival plus its level's {@code default_timeout_microseconds}, or its
 * own shorter {@code timeout} where {@code allow_timeout_override} permits. Requests with a deadline
 * sit in an indexed heap; the scheduler sleeps no later than the earliest deadline, even with every
 * instance busy, so a REJECT request fails (Unavailable, "timed out ...") when its time is up, not
 * when an instance frees. Deadlines only apply while queued; a dispatched request runs to the end. A
 * request whose client has gone (its {@link BatchRequest#cancelled} says so, or its future was
 * completed from outside) is dropped when the batch scan meets it or, at the latest, by the
 * instance just before the batch runs; it never runs. {@code max_queue_size} counts every admitted
 * request of the level that has not left the queue, and a full level refuses at once (Unavailable,
 * "exceeds maximum queue size").
 *
 * <h2>Batches, buffers and responses</h2>
 *
 * A batch of one request runs on the request's own tensors. A larger batch is assembled by
 * concatenating each input into one contiguous buffer borrowed from the {@link BufferPool} (row-major
 * rows are contiguous, and BYTES elements concatenate as they are), returned as soon as the engine
 * is done. Outputs come back as views of the engine's buffers, cut at row boundaries (for BYTES, by
 * walking the length prefixes), without copying elements. An engine failure fails exactly that
 * batch's requests with the engine's exception (a foreign exception as Internal, cause kept). With
 * {@code preserve_ordering}, batches complete in dispatch order through an {@link
 * OrderedCompletion}; instances keep running meanwhile.
 *
 * <p>Each future completes exactly once: normally on an instance thread or the completer thread;
 * with a timeout, a drop or a shutdown on the scheduler, an instance or the closing thread; at
 * admission, already failed, on the caller's thread. Completion runs the future's dependent stages
 * on that thread, so callers attach only cheap stages, such as a hop back to their own context.
 *
 * <h2>Time</h2>
 *
 * Every decision reads the injected {@link NanoClock} once per cycle and passes {@code now} down;
 * comparisons are {@code a - b < 0}, so clocks near overflow work. Only the shutdown drain waits in
 * real time, since it bounds an operator's shutdown, not a scheduling decision.
 *
 * <p>Thread-safe: {@link #submit}, the gauges and {@link #close} may be called from any thread
 * (close not from one of this scheduler's own threads).
 */
public final class ModelScheduler implements AutoCloseable {
  /** How long {@link #close()} lets queued and running requests finish. */
  public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

  private static final System.Logger LOG = System.getLogger(ModelScheduler.class.getName());
  private static final long JOIN_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** How long close() waits for the threads after telling them to stop. */
  static final long STOP_GRACE_SECONDS = 10;

  private final BatchPolicy policy;
  private final Mailbox mailbox;
  private final Worker[] workers;
  private final Thread schedulerThread;
  private final Completer completer;
  private final Thread completerThread;
  private final OrderedCompletion ordered;
  private final SchedulerListener listener;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicReference<Batch> ready = new AtomicReference<>();
  private final AtomicLong batchSeq = new AtomicLong();
  private final AtomicBoolean closeStarted = new AtomicBoolean();

  private ModelScheduler(
      String modelName, String version, BatchPolicy policy, List<ModelInstance> instances, SchedulerOptions options) {
    this.policy = policy;
    this.listener = SafeListener.wrap(options.listener());
    this.mailbox = new Mailbox(policy, options.clock(), instances.size(), inFlight, batchSeq, ready);
    this.ordered = policy.preserveOrdering ? new OrderedCompletion() : null;
    Finisher finisher = new Finisher(policy, mailbox, listener, options.clock(), ordered, inFlight);
    this.completer = new Completer(finisher::finish);
    Worker.Shared shared = new Worker.Shared(
        policy, mailbox, options.pool(), options.clock(), listener, ready, finisher, completer);
    this.workers = new Worker[instances.size()];
    String prefix = modelName + "/" + version + "/";
    Runnable setup = options.instanceThreadSetup();
    for (int i = 0; i < workers.length; i++) {
      Worker w = new Worker(i, Objects.requireNonNull(instances.get(i), "instance " + i), shared);
      w.thread = Thread.ofPlatform().name(prefix + "instance-" + i).daemon(true).unstarted(() -> {
        setUp(setup);
        w.run();
      });
      workers[i] = w;
    }
    SchedulerLoop loop =
        new SchedulerLoop(policy, mailbox, options.clock(), listener, inFlight, batchSeq, ready, workers);
    this.schedulerThread = Thread.ofPlatform().name(prefix + "scheduler").daemon(true).unstarted(loop);
    this.completerThread = Thread.ofPlatform().name(prefix + "completer").daemon(true).unstarted(completer);
  }

  /** Runs the server's set-up of an instance thread; a failure costs the set-up, never the instance. */
  private static void setUp(Runnable setup) {
    try {
      setup.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "instance thread set-up failed on " + Thread.currentThread().getName()
          + "; the instance serves without it", e);
    }
  }

  /**
   * Creates the scheduler of one model version and starts its threads: one per instance and one
   * scheduler thread.
   *
   * @param instances one per execution slot (the model's instance groups, expanded); at least one
   * @throws IllegalArgumentException when there is no instance, or the batching settings conflict
   */
  public static ModelScheduler start(
      String modelName, String version, ModelConfig config, List<ModelInstance> instances,
      SchedulerOptions options) {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(options, "options");
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("model '" + modelName + "' version '" + version + "' has no instances");
    }
    BatchPolicy policy = BatchPolicy.of(modelName, version, config, options.withoutDynamicBatching());
    ModelScheduler s = new ModelScheduler(modelName, version, policy, List.copyOf(instances), options);
    for (Worker w : s.workers) {
      w.thread.start();
    }
    s.schedulerThread.start();
    s.completerThread.start();
    return s;
  }

  /**
   * Queues a request. Non-blocking; never runs inference on the caller's thread. The future
   * completes exactly once: with the request's outputs, in {@link BatchRequest#outputNames} order;
   * or with a {@link HadronException}. A request refused at admission (bad priority, oversize
   * batch, full queue, shutting down) gets a future that has already failed.
   */
  public CompletableFuture<List<Tensor>> submit(BatchRequest request) {
    Objects.requireNonNull(request, "request");
    Pending p;
    try {
      p = Pending.of(request, policy);
    } catch (HadronException e) {
      return refused(SchedulerListener.Rejection.INVALID, e);
    }
    return switch (mailbox.offer(p)) {
      case ACCEPTED -> p.future;
      case QUEUE_FULL -> refused(SchedulerListener.Rejection.QUEUE_FULL, new HadronException.Unavailable(
          "request to " + policy.label + " exceeds maximum queue size " + policy.queueLimit(p.level)
              + (policy.levels() > 1 ? " of priority level " + (p.level + 1) : "")));
      case CLOSED -> refused(SchedulerListener.Rejection.SHUTTING_DOWN,
          new HadronException.Unavailable(mailbox.closedReason()));
    };
  }

  private CompletableFuture<List<Tensor>> refused(SchedulerListener.Rejection reason, HadronException e) {
    listener.onReject(reason);
    return CompletableFuture.failedFuture(e);
  }

  /** Requests admitted and not yet dispatched, timed out or dropped. */
  public int pendingRequests() {
    return mailbox.queuedTotal();
  }

  /** Batches handed to instances and not yet completed. */
  public int executingBatches() {
    return inFlight.get();
  }

  /** Closes with {@link #DEFAULT_DRAIN}. */
  @Override
  public void close() {
    close(DEFAULT_DRAIN);
  }

  /**
   * Stops admission (new requests fail Unavailable, "shutting down"), lets queued and running
   * requests finish for up to {@code drain} (queued ones are dispatched without waiting for their
   * batch to grow), then fails whatever is left with Unavailable and stops the threads. Returns once
   * every thread has exited, except that an engine call still running after the drain is interrupted
   * and waited for 10 s more at most: if {@link #awaitTermination} is still false after this returns,
   * an instance is in use and the model's engine must not be freed yet. Calls after the first return
   * at once.
   *
   * @throws IllegalStateException when called from one of this scheduler's own threads (from a
   *     future's completion stage, say), which the drain would wait for
   */
  public void close(Duration drain) {
    Objects.requireNonNull(drain, "drain");
    for (Thread t : threads()) {
      if (Thread.currentThread() == t) {
        throw new IllegalStateException(policy.label + ": close() called from its own thread " + t.getName());
      }
    }
    if (!closeStarted.compareAndSet(false, true)) {
      return;
    }
    mailbox.transition(Mailbox.CLOSING, policy.label + " is shutting down");
    boolean drained = mailbox.awaitDrained(saturatedNanos(drain), inFlight);
    if (drained) {
      mailbox.transition(Mailbox.STOPPING, null);
      join(schedulerThread, JOIN_NANOS);
      for (Worker w : workers) {
        w.stop(false);
      }
      completer.stop();
      awaitStopped();
      return;
    }
    mailbox.transition(Mailbox.ABORTING, null);
    join(schedulerThread, JOIN_NANOS);
    HadronException e = new HadronException.Unavailable(
        policy.label + " shut down before the request finished (drain time " + drain + " ran out)");
    for (Worker w : workers) {
      w.failHeld(e);
    }
    if (ordered != null) {
      ordered.flush();
    }
    for (Worker w : workers) {
      w.stop(true);
    }
    completer.stop();
    awaitStopped();
  }

  private void awaitStopped() {
    try {
      if (!awaitTermination(Duration.ofSeconds(STOP_GRACE_SECONDS))) {
        LOG.log(System.Logger.Level.WARNING, policy.label
            + ": an instance is still executing after shutdown; its engine must not be freed yet");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until the scheduler and every instance thread have exited, after {@link #close}.
   *
   * @return true when all have
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + saturatedNanos(timeout);
    for (Thread t : threads()) {
      long remaining = deadline - System.nanoTime();
      if (remaining > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, remaining);
      }
      if (t.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private Thread[] threads() {
    Thread[] all = new Thread[workers.length + 2];
    all[0] = schedulerThread;
    all[1] = completerThread;
    for (int i = 0; i < workers.length; i++) {
      all[i + 2] = workers[i].thread;
    }
    return all;
  }

  private void join(Thread t, long nanos) {
    try {
      TimeUnit.NANOSECONDS.timedJoin(t, nanos);
      if (t.isAlive()) {
        LOG.log(System.Logger.Level.WARNING, policy.label + ": thread " + t.getName() + " did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return Math.max(0, d.toNanos());
    } catch (ArithmeticException e) {
      return d.isNegative() ? 0 : Long.MAX_VALUE;
    }
  }

  /** For tests: runs a scheduling cycle now, e.g. after a fake clock moved. */
  void wakeUp() {
    mailbox.poke();
  }

  /** True once {@link #close} has begun. */
  boolean closing() {
    return mailbox.state() != Mailbox.OPEN;
  }

  /** For tests: waits until the scheduler sleeps with every event handled. */
  boolean awaitSettled(Duration timeout) throws InterruptedException {
    return mailbox.awaitSettled(saturatedNanos(timeout));
  }

  @Override
  public String toString() {
    return "ModelScheduler[" + policy.label + ", pending " + pendingRequests() + ", executing "
        + executingBatches() + "]";
  }
}
