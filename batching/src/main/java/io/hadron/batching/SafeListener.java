package io.hadron.batching;

/**
 * Shields the scheduler from a listener that throws: the first failure is logged, every failure is
 * otherwise ignored, and no request is affected.
 *
 * <p>Thread-safe if the wrapped listener is; {@link #logged} is a benign race (at worst a few
 * threads log the first failure each).
 */
final class SafeListener implements SchedulerListener {
  private static final System.Logger LOG = System.getLogger(SafeListener.class.getName());

  private final SchedulerListener delegate;
  private volatile boolean logged;

  private SafeListener(SchedulerListener delegate) {
    this.delegate = delegate;
  }

  static SchedulerListener wrap(SchedulerListener listener) {
    return listener == NOOP || listener instanceof SafeListener ? listener : new SafeListener(listener);
  }

  @Override
  public void onBatch(BatchEvent batch) {
    try {
      delegate.onBatch(batch);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void onReject(Rejection reason) {
    try {
      delegate.onReject(reason);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void failed(RuntimeException e) {
    if (!logged) {
      logged = true;
      LOG.log(System.Logger.Level.WARNING,
          "scheduler listener " + delegate + " threw; further failures are not logged", e);
    }
  }
}
