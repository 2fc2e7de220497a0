package io.hadron.batching;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A model instance for tests: adds 1 to every element of each FP32 input and returns it as "y" (or,
 * for each requested name, the same). Records each execution (row ids of the first input, thread),
 * and can be held: when {@link #hold()} was called, every execution waits for a permit from {@link
 * #release(int)}. A row id of -1 makes it throw IllegalStateException("boom"), -2 a HadronException.
 *
 * <p>Thread-safe (the scheduler confines each instance to one thread, but tests read from theirs).
 */
final class FakeInstance implements ModelInstance {
  record Execution(List<Integer> rowIds, int rows, String thread, List<String> inputNames) {
    /** The distinct request ids, in row order. */
    List<Integer> requests() {
      return List.copyOf(new LinkedHashSet<>(rowIds));
    }
  }

  final ConcurrentLinkedQueue<Execution> executions = new ConcurrentLinkedQueue<>();
  private final Semaphore started = new Semaphore(0);
  private final Semaphore permits = new Semaphore(0);
  private volatile boolean held;

  void hold() {
    held = true;
  }

  void release(int n) {
    permits.release(n);
  }

  /** Stops holding and lets every waiting and future execution through. */
  void open() {
    held = false;
    permits.release(1_000_000);
  }

  /** Waits until {@code n} more executions have started. */
  void awaitStarted(int n) throws InterruptedException {
    if (!started.tryAcquire(n, Fixtures.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("instance did not start " + n + " executions");
    }
  }

  List<Execution> executions() {
    return new ArrayList<>(executions);
  }

  /** Request ids of every execution, one list per execution, in execution order. */
  List<List<Integer>> batches() {
    return executions().stream().map(Execution::requests).toList();
  }

  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public List<Tensor> execute(List<Tensor> inputs, List<String> outputNames) {
    Tensor first = inputs.get(0);
    List<Integer> ids = first.rank() == 2 ? Fixtures.rowIds(first) : List.of();
    executions.add(new Execution(ids, first.rank() == 2 ? (int) first.dim(0) : 1,
        Thread.currentThread().getName(), inputs.stream().map(Tensor::name).toList()));
    started.release();
    if (held) {
      try {
        if (!permits.tryAcquire(Fixtures.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("test never released the instance");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    if (ids.contains(-1)) {
      throw new IllegalStateException("boom");
    }
    if (ids.contains(-2)) {
      throw new HadronException.InvalidArgument("engine says no");
    }
    List<Tensor> out = new ArrayList<>();
    for (String name : outputNames) {
      out.add(plusOne(name, first));
    }
    return out;
  }

  static Tensor plusOne(String name, Tensor in) {
    if (in.datatype() != DataType.FP32) {
      ByteBuffer copy = ByteBuffer.allocateDirect(in.byteSize()).put(in.data()).flip();
      return new Tensor(name, in.datatype(), in.shape(), copy);
    }
    ByteBuffer src = in.data();
    ByteBuffer dst = ByteBuffer.allocateDirect(in.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    while (src.hasRemaining()) {
      dst.putFloat(src.getFloat() + 1);
    }
    return new Tensor(name, DataType.FP32, in.shape(), dst.flip());
  }
}
