package io.hadron.batching;

import java.util.Arrays;

/**
 * A binary min-heap of queued requests by deadline, indexed (each request records its position) so
 * that a request dispatched before its deadline leaves in O(log n) instead of lingering. Deadlines
 * compare by {@code a - b}, which stays right across {@link System#nanoTime()} overflow.
 *
 * <p>Confined to the scheduler thread.
 */
final class DeadlineHeap {
  private Pending[] heap = new Pending[16];
  private int size;

  int size() {
    return size;
  }

  Pending peek() {
    return size == 0 ? null : heap[0];
  }

  void add(Pending p) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    p.heapIndex = size;
    heap[size++] = p;
    siftUp(p.heapIndex);
  }

  Pending poll() {
    Pending top = peek();
    if (top != null) {
      remove(top);
    }
    return top;
  }

  void remove(Pending p) {
    int i = p.heapIndex;
    if (i < 0) {
      return;
    }
    p.heapIndex = -1;
    Pending last = heap[--size];
    heap[size] = null;
    if (i == size) {
      return;
    }
    heap[i] = last;
    last.heapIndex = i;
    siftDown(i);
    if (heap[i] == last) {
      siftUp(i);
    }
  }

  private static boolean earlier(Pending a, Pending b) {
    return a.deadlineNanos - b.deadlineNanos < 0;
  }

  private void siftUp(int i) {
    Pending p = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Pending q = heap[parent];
      if (!earlier(p, q)) {
        break;
      }
      heap[i] = q;
      q.heapIndex = i;
      i = parent;
    }
    heap[i] = p;
    p.heapIndex = i;
  }

  private void siftDown(int i) {
    Pending p = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && earlier(heap[right], heap[child])) {
        child = right;
      }
      if (!earlier(heap[child], p)) {
        break;
      }
      heap[i] = heap[child];
      heap[i].heapIndex = i;
      i = child;
    }
    heap[i] = p;
    p.heapIndex = i;
  }
}
