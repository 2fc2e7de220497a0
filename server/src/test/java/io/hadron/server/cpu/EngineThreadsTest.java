package io.hadron.server.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EngineThreadsTest {
  private static final int NORMAL = 0;
  private static final int IDLE = EngineThreads.SCHED_IDLE;

  /** The idle class where this machine grants it (Linux without a seccomp profile that forbids it). */
  private static EngineThreads idle() {
    assumeTrue(ProcThreads.available(), "needs Linux /proc");
    EngineThreads t = EngineThreads.create(EngineThreadPolicy.IDLE);
    assumeTrue(t.policy() == EngineThreadPolicy.IDLE, "this machine refuses SCHED_IDLE");
    return t;
  }

  @Test
  void workRunsOnANamedThreadInTheIdleClassAndThreadsItStartsInheritIt() throws Exception {
    EngineThreads engines = idle();
    AtomicInteger childPolicy = new AtomicInteger(-1);
    String[] seen = engines.callIn("m/1/engine", () -> {
      Thread child = Thread.ofPlatform().start(() -> childPolicy.set(ProcThreads.currentPolicy()));
      try {
        child.join();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return new String[] {Thread.currentThread().getName(), Integer.toString(ProcThreads.currentPolicy())};
    });
    assertEquals("m/1/engine", seen[0]);
    assertEquals(Integer.toString(IDLE), seen[1]);
    assertEquals(IDLE, childPolicy.get(), "a thread the engine starts (its intra-op pool) inherits the class");
    assertEquals(NORMAL, ProcThreads.currentPolicy(), "the caller keeps its class");
  }

  @Test
  void enterMovesOnlyTheCallingThread() throws Exception {
    EngineThreads engines = idle();
    AtomicInteger inside = new AtomicInteger(-1);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch checked = new CountDownLatch(1);
    Thread t = Thread.ofPlatform().start(() -> {
      engines.enter();
      inside.set(ProcThreads.currentPolicy());
      entered.countDown();
      try {
        checked.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    assertEquals(IDLE, inside.get());
    assertEquals(NORMAL, ProcThreads.currentPolicy());
    checked.countDown();
    t.join();
  }

  @Test
  void normalRunsTheWorkOnTheCallersThreadAndChangesNoClass() {
    assumeTrue(ProcThreads.available(), "needs Linux /proc");
    EngineThreads engines = EngineThreads.create(EngineThreadPolicy.NORMAL);
    assertSame(EngineThreads.normal(), engines);
    Thread caller = Thread.currentThread();
    assertSame(caller, engines.callIn("unused", Thread::currentThread));
    engines.enter();
    assertEquals(NORMAL, ProcThreads.currentPolicy());
  }

  @Test
  void whatTheWorkThrowsIsThrownToTheCaller() {
    EngineThreads engines = idle();
    IllegalStateException boom = new IllegalStateException("model file is corrupt");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> engines.callIn("m/1/engine", () -> {
      throw boom;
    })));
    assertThrows(StackOverflowError.class, () -> engines.callIn("m/1/engine", () -> {
      throw new StackOverflowError();
    }));
  }

  @Test
  void anInterruptedCallerStillWaitsForTheWorkAndKeepsItsInterrupt() {
    EngineThreads engines = idle();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Boolean> callerInterrupted = new AtomicReference<>();
    AtomicReference<String> result = new AtomicReference<>();
    Thread caller = Thread.ofPlatform().start(() -> {
      result.set(engines.callIn("m/1/engine", () -> {
        started.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          return "work interrupted";
        }
        return "loaded";
      }));
      callerInterrupted.set(Thread.currentThread().isInterrupted());
    });
    try {
      assertTrue(started.await(10, TimeUnit.SECONDS));
      caller.interrupt();
      release.countDown();
      caller.join(10_000);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertEquals("loaded", result.get(), "the work ran to its end, not abandoned");
    assertEquals(Boolean.TRUE, callerInterrupted.get());
  }

  @Test
  void policyFlagValuesParseAndABadOneIsNamed() {
    assertEquals(EngineThreadPolicy.IDLE, EngineThreadPolicy.parse("--engine-thread-policy", " Idle "));
    assertEquals(EngineThreadPolicy.NORMAL, EngineThreadPolicy.parse("--engine-thread-policy", "normal"));
    String msg = assertThrows(IllegalArgumentException.class,
        () -> EngineThreadPolicy.parse("--engine-thread-policy", "realtime")).getMessage();
    assertTrue(msg.contains("--engine-thread-policy") && msg.contains("'realtime'"), msg);
  }
}
