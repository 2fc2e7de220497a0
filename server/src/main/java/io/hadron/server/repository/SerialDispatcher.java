package io.hadron.server.repository;

import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.spi.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs one request per execution: each instance has its own platform thread (named after model,
 * version and instance index) taking requests from one shared bounded FIFO queue.
 *
 * <p>Thread-safe. Admission is a single {@code offer}; a full queue is an immediate rejection.
 */
final class SerialDispatcher implements Dispatcher {
  private static final System.Logger LOG = System.getLogger(SerialDispatcher.class.getName());
  private static final int QUEUE_CAPACITY = 4096;

  private record Job(
      List<Tensor> inputs, List<String> outputNames, BooleanSupplier cancelled, CompletableFuture<List<Tensor>> done) {}

  private final String label;
  private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  SerialDispatcher(String modelName, long version, List<ModelInstance> instances) {
    this.label = modelName + "/" + version;
    for (int i = 0; i < instances.size(); i++) {
      ModelInstance instance = instances.get(i);
      Thread t = Thread.ofPlatform()
          .name(modelName + "-" + version + "-" + i)
          .daemon(true)
          .unstarted(() -> loop(instance));
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  @Override
  public CompletableFuture<List<Tensor>> submit(
      List<Tensor> inputs, List<String> outputNames, int priority, long timeoutMicros, BooleanSupplier cancelled) {
    CompletableFuture<List<Tensor>> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new HadronException.Unavailable("model " + label + " is shutting down"));
    } else if (!queue.offer(new Job(inputs, outputNames, cancelled, done))) {
      done.completeExceptionally(new HadronException.Unavailable(
          "model " + label + ": request exceeds maximum queue size " + QUEUE_CAPACITY));
    }
    return done;
  }

  @Override
  public int pendingRequests() {
    return queue.size();
  }

  private void loop(ModelInstance instance) {
    while (true) {
      Job job;
      try {
        job = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (job == null) {
        if (closed) {
          return;
        }
        continue;
      }
      if (job.cancelled.getAsBoolean()) {
        job.done.completeExceptionally(new HadronException.Unavailable("request cancelled by the client"));
        continue;
      }
      try {
        job.done.complete(instance.execute(job.inputs, job.outputNames));
      } catch (HadronException e) {
        job.done.completeExceptionally(e);
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.ERROR, "model " + label + ": engine failed", e);
        job.done.completeExceptionally(new HadronException.Internal(
            "model " + label + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e));
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Job left;
    while ((left = queue.poll()) != null) {
      left.done.completeExceptionally(new HadronException.Unavailable("model " + label + " was unloaded"));
    }
  }
}
