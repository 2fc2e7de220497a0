package io.hadron.batching;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Completes batches in dispatch order, for {@code preserve_ordering}. An instance that finishes a
 * batch deposits it; whoever deposits the batch the sequence is waiting for completes it and every
 * consecutive successor already deposited, outside the lock. Instances never block on one another:
 * a fast instance keeps executing while its finished batches wait for a slow predecessor.
 *
 * <p>Thread-safe; the slots, {@link #next} and {@link #draining} are guarded by {@link #lock}. One
 * thread at a time completes (the one that set {@code draining}), so completions stay in order.
 */
final class OrderedCompletion {
  private final ReentrantLock lock = new ReentrantLock();
  /** Deposited batches by {@code seq}, at {@code seq & (slots.length - 1)}; covers next..next+length. */
  private Batch[] slots = new Batch[16];
  private long next;
  private boolean draining;
  /** After shutdown gave up on order: complete everything on deposit. */
  private boolean bypass;

  /** Deposits a finished batch and completes whatever became next in line. */
  void done(Batch batch) {
    boolean inOrder;
    lock.lock();
    try {
      inOrder = !bypass;
      if (inOrder) {
        put(batch);
        if (draining) {
          return;
        }
        draining = true;
      }
    } finally {
      lock.unlock();
    }
    if (inOrder) {
      drain();
    } else {
      batch.complete();
    }
  }

  private void drain() {
    while (true) {
      Batch b;
      lock.lock();
      try {
        int i = (int) (next & (slots.length - 1));
        b = slots[i];
        if (b == null || b.seq != next) {
          draining = false;
          return;
        }
        slots[i] = null;
        next++;
      } finally {
        lock.unlock();
      }
      b.complete();
    }
  }

  private void put(Batch batch) {
    long distance = batch.seq - next;
    if (distance >= slots.length) {
      int size = slots.length;
      while (distance >= size) {
        size <<= 1;
      }
      Batch[] grown = new Batch[size];
      for (Batch b : slots) {
        if (b != null) {
          grown[(int) (b.seq & (size - 1))] = b;
        }
      }
      slots = grown;
    }
    slots[(int) (batch.seq & (slots.length - 1))] = batch;
  }

  /**
   * Gives up on order (at shutdown, when a predecessor may never finish): completes every deposited
   * batch now and any later one on arrival.
   */
  void flush() {
    Batch[] held;
    lock.lock();
    try {
      bypass = true;
      held = slots.clone();
      java.util.Arrays.fill(slots, null);
    } finally {
      lock.unlock();
    }
    for (Batch b : held) {
      if (b != null) {
        b.complete();
      }
    }
  }
}
