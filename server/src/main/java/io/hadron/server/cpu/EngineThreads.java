package io.hadron.server.cpu;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Puts the threads that run engines in the CPU scheduling class the server was asked for, and
 * leaves every other thread of the server as it is.
 *
 * <p>Why: on a CPU the engines fill (ONNX Runtime runs one intra-op thread per core for the whole of
 * each batch), a thread that wakes with work, such as an event loop with a new request, waits until
 * the kernel preempts an engine thread. Linux's fair scheduler preempts at a wake-up only when the
 * woken thread is owed CPU time; an event loop that has just written a 196 KB answer is not, and then
 * waits for the next scheduler tick (4 ms at the common 250 Hz). So under overload a refusal that
 * takes 0.1 ms of CPU was answered in 5 to 8 ms at the 99th percentile on a 2-core machine, and the
 * garbage collector's pauses stretched as its threads queued behind the engine too. A thread in the
 * {@code SCHED_IDLE} class is preempted at once by any thread of another class that wakes on its
 * core, so those run first, and the engine still gets every cycle they leave: all of them on a
 * machine that only serves. The cost falls where something else in the same cgroup (the container)
 * or, without one, the same session keeps the CPU busy: the engine then gets almost nothing. {@link
 * EngineThreadPolicy#NORMAL} is the way back to equal shares.
 *
 * <p>What it does not do: an instance thread preempted inside one of the batcher's short critical
 * sections (handing a batch over, reporting itself free) holds that lock until its core is free of
 * other work, and a safepoint waits for it likewise; these sections are a few field writes, so the
 * wait is rare and short, but it is not zero.
 *
 * <p>How: a thread inherits its class from the thread that creates it, and an unprivileged thread
 * cannot leave {@code SCHED_IDLE}. So each instance thread enters the class itself when it starts
 * ({@link #enter}, run through the batcher's instance-thread set-up), and every engine load (with
 * its load-time optimization and auto-completion) runs on a short-lived thread that entered it first
 * ({@link #callIn}), so the threads an engine starts while loading, such as ONNX Runtime's intra-op
 * pool, inherit it. (libtorch starts its pool on first use, from an instance thread.) Event loops,
 * schedulers, completers, loaders and the JVM's own threads keep their class. A library that starts a
 * helper thread lazily from an engine thread gives it the class too; the CUDA driver's threads, on a
 * GPU, are such.
 *
 * <p>Where the class cannot be had (not Linux, or the kernel refuses it, as some seccomp profiles
 * do), {@link #create} says so once in the log and everything stays {@link EngineThreadPolicy#NORMAL}.
 *
 * <p>Thread-safe: immutable apart from a flag that keeps a failure to one log line.
 */
public final class EngineThreads {
  private static final System.Logger LOG = System.getLogger(EngineThreads.class.getName());
  /** From {@code <sched.h>}: the same value on every Linux architecture. */
  static final int SCHED_IDLE = 5;

  private static final EngineThreads NORMAL = new EngineThreads(EngineThreadPolicy.NORMAL);

  private final EngineThreadPolicy policy;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private EngineThreads(EngineThreadPolicy policy) {
    this.policy = policy;
  }

  /** Engine threads left as created. */
  public static EngineThreads normal() {
    return NORMAL;
  }

  /**
   * The given policy if this machine grants it, tried once on a throwaway thread; else {@link
   * #normal()}, with the reason logged.
   */
  public static EngineThreads create(EngineThreadPolicy requested) {
    if (requested == EngineThreadPolicy.NORMAL) {
      return NORMAL;
    }
    String refused = probeIdle();
    if (refused != null) {
      LOG.log(System.Logger.Level.WARNING, "engine threads stay in the normal CPU class: " + refused);
      return NORMAL;
    }
    LOG.log(System.Logger.Level.INFO, "engine threads run in the idle CPU class (SCHED_IDLE): the server's own"
        + " threads preempt them; --engine-thread-policy normal turns this off");
    return new EngineThreads(requested);
  }

  /** The policy engine threads get: the one asked for, or {@code NORMAL} where it was refused. */
  public EngineThreadPolicy policy() {
    return policy;
  }

  /**
   * Moves the calling thread, for good, into the engine class. Never throws; a refusal (not
   * expected once {@link #create} succeeded) is logged once and the thread stays as it was.
   */
  public void enter() {
    if (policy == EngineThreadPolicy.NORMAL) {
      return;
    }
    String refused = Libc.setIdle();
    if (refused != null && failureLogged.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, "thread " + Thread.currentThread().getName()
          + " stays in the normal CPU class: " + refused + " (further refusals are not logged)");
    }
  }

  /**
   * Runs {@code work} on a new platform thread named {@code threadName} that has {@linkplain #enter
   * entered} the engine class, so that threads it creates are in it too, and returns its result;
   * with {@code NORMAL}, runs it on the calling thread. What {@code work} throws is thrown here.
   * The caller waits for the work to end even if interrupted (an engine load is not abandoned
   * halfway, so nothing it allocated is left without an owner); its interrupt flag is restored. So
   * an interrupt, such as the loader pool's at shutdown, does not cut a load short.
   */
  public <T> T callIn(String threadName, Supplier<T> work) {
    if (policy == EngineThreadPolicy.NORMAL) {
      return work.get();
    }
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = Thread.ofPlatform().name(threadName).daemon(true).unstarted(() -> {
      enter();
      try {
        result.set(work.get());
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable e = failure.get();
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    if (e != null) {
      throw new IllegalStateException(e); // a checked exception thrown sneakily; Supplier declares none
    }
    return result.get();
  }

  /** Tries the class on a thread of its own (the change cannot be undone); null when granted. */
  private static String probeIdle() {
    if (!Platform.isLinux()) {
      return "SCHED_IDLE is a Linux scheduling class and this is " + System.getProperty("os.name");
    }
    AtomicReference<String> refused = new AtomicReference<>("the probe thread did not finish");
    Thread probe = Thread.ofPlatform().name("hadron-cpu-class-probe").daemon(true).unstarted(() -> {
      String r = Libc.setIdle();
      if (r == null && Libc.currentPolicy() != SCHED_IDLE) {
        r = "sched_setscheduler succeeded but the thread's class is " + Libc.currentPolicy();
      }
      refused.set(r);
    });
    probe.start();
    try {
      probe.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while probing";
    }
    return refused.get();
  }

  /**
   * The C library's scheduling calls, looked up once (on the first thread that needs them, which is
   * the probe's, before it changes class). A pid of 0 means the calling thread.
   */
  static final class Libc {
    private static final Function SET;
    private static final Function GET;
    private static final String MISSING;

    static {
      Function set = null;
      Function get = null;
      String missing = null;
      try {
        NativeLibrary c = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
        set = c.getFunction("sched_setscheduler");
        get = c.getFunction("sched_getscheduler");
      } catch (LinkageError | RuntimeException e) {
        missing = "cannot call sched_setscheduler: " + e;
      }
      SET = set;
      GET = get;
      MISSING = missing;
    }

    private Libc() {}

    /** Null when the calling thread is now SCHED_IDLE, else why not. */
    static String setIdle() {
      if (MISSING != null) {
        return MISSING;
      }
      try {
        // struct sched_param { int sched_priority; }, which must be 0 outside the real-time classes.
        int rc = SET.invokeInt(new Object[] {0, SCHED_IDLE, new int[] {0}});
        return rc == 0 ? null : "sched_setscheduler(SCHED_IDLE) failed, errno " + Native.getLastError();
      } catch (LinkageError | RuntimeException e) {
        return "cannot call sched_setscheduler: " + e;
      }
    }

    /** The calling thread's scheduling policy, or -1 when it cannot be read. */
    static int currentPolicy() {
      if (MISSING != null) {
        return -1;
      }
      try {
        return GET.invokeInt(new Object[] {0});
      } catch (LinkageError | RuntimeException e) {
        return -1;
      }
    }
  }
}
