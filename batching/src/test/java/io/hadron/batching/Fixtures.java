package io.hadron.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Requests, configurations and checks shared by the tests. A test request's input "x" is FP32
 * [rows, width] whose row r holds (id, r, 0, ...), so the instance can tell which request a row came
 * from, and the expected output "y" is x + 1.
 */
final class Fixtures {
  private Fixtures() {}

  /** Long enough for anything that should happen promptly; only a broken scheduler waits this long. */
  static final Duration PATIENCE = Duration.ofSeconds(20);

  static Tensor x(int id, int rows, int width) {
    return x("x", id, rows, width);
  }

  static Tensor x(String name, int id, int rows, int width) {
    ByteBuffer b = ByteBuffer.allocateDirect(rows * width * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        b.putFloat(c == 0 ? id : c == 1 ? r : 0);
      }
    }
    return new Tensor(name, DataType.FP32, new long[] {rows, width}, b.flip());
  }

  static BatchRequest request(int id, int rows) {
    return new BatchRequest(List.of(x(id, rows, 2)), List.of("y"));
  }

  static BatchRequest request(int id, int rows, int width) {
    return new BatchRequest(List.of(x(id, rows, width)), List.of("y"));
  }

  static BatchRequest request(int id, int rows, int priority, long timeoutMicros, BooleanSupplier cancelled) {
    return new BatchRequest(List.of(x(id, rows, 2)), List.of("y"), priority, timeoutMicros, cancelled);
  }

  static DynamicBatching dynamic(List<Integer> preferred, long delayMicros) {
    return new DynamicBatching(preferred, delayMicros, false, 0, 0, QueuePolicy.DEFAULT, Map.of());
  }

  static DynamicBatching dynamic(
      long delayMicros, boolean preserveOrdering, int levels, int defaultLevel, QueuePolicy policy,
      Map<Integer, QueuePolicy> perLevel) {
    return new DynamicBatching(List.of(), delayMicros, preserveOrdering, levels, defaultLevel, policy, perLevel);
  }

  static ModelConfig config(int maxBatch, DynamicBatching db) {
    ModelConfig.Builder b = ModelConfig.builder("m").maxBatchSize(maxBatch);
    if (db != null) {
      b.dynamicBatching(db);
    }
    return b.build();
  }

  static SchedulerOptions options(NanoClock clock) {
    return SchedulerOptions.defaults().withClock(clock).withPool(BufferPool.direct(1 << 20));
  }

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("future did not complete normally", e);
    }
  }

  /** The failure of a future that must fail. */
  static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete", e);
    }
    throw new AssertionError("future completed normally but should have failed");
  }

  /** Waits (yielding) until the condition holds; fails after {@link #PATIENCE}. */
  static void eventually(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.yield();
    }
  }

  static void settle(ModelScheduler s) throws InterruptedException {
    assertTrue(s.awaitSettled(PATIENCE), "scheduler did not settle");
  }

  /** Checks that a request's outputs are its own inputs plus one, row for row. */
  static void assertOwnOutput(int id, int rows, int width, List<Tensor> out) {
    assertEquals(1, out.size());
    Tensor y = out.get(0);
    assertEquals("y", y.name());
    assertEquals(rows, y.dim(0));
    assertEquals(width, y.dim(1));
    ByteBuffer b = y.data();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        float expected = (c == 0 ? id : c == 1 ? r : 0) + 1;
        assertEquals(expected, b.getFloat(), "request " + id + " row " + r + " col " + c);
      }
    }
  }

  /** The request ids of an input tensor's rows, in row order. */
  static List<Integer> rowIds(Tensor x) {
    List<Integer> ids = new ArrayList<>();
    ByteBuffer b = x.data();
    int width = (int) x.dim(1);
    for (int r = 0; r < x.dim(0); r++) {
      ids.add((int) b.getFloat(r * width * 4));
    }
    return ids;
  }
}
