package io.hadron.batching;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Completes finished batches on its own thread, so that an instance with more work waiting starts
 * its next batch at once instead of first waking every client of the last one (completing a future
 * wakes its waiter, and a batch of 32 costs hundreds of microseconds of context switches on a busy
 * machine). An instance with nothing waiting completes inline, which is quicker for the client.
 *
 * <p>Thread-safe; the queue and flags are guarded by {@link #lock}. Batches are completed in the
 * order they were offered.
 */
final class Completer implements Runnable {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition nonEmpty = lock.newCondition();
  private final Consumer<Batch> finish;
  private ArrayDeque<Batch> queue = new ArrayDeque<>();
  private ArrayDeque<Batch> spare = new ArrayDeque<>();
  private boolean waiting;
  private boolean stopped;

  /** @param finish completes a batch's requests and accounts for it; never throws */
  Completer(Consumer<Batch> finish) {
    this.finish = finish;
  }

  /**
   * Queues a batch for completion.
   *
   * @return false once stopped, in which case the caller completes the batch itself
   */
  boolean offer(Batch batch) {
    lock.lock();
    try {
      if (stopped) {
        return false;
      }
      queue.addLast(batch);
      if (waiting) {
        nonEmpty.signal();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Completes what is queued, then lets the thread exit. */
  void stop() {
    lock.lock();
    try {
      stopped = true;
      nonEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void run() {
    while (true) {
      ArrayDeque<Batch> work;
      lock.lock();
      try {
        while (queue.isEmpty()) {
          if (stopped) {
            return;
          }
          waiting = true;
          nonEmpty.awaitUninterruptibly();
          waiting = false;
        }
        work = queue;
        queue = spare;
        spare = work;
      } finally {
        lock.unlock();
      }
      Batch b;
      while ((b = work.pollFirst()) != null) {
        finish.accept(b);
      }
    }
  }
}
