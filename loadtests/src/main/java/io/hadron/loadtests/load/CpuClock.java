package io.hadron.loadtests.load;

import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * CPU time used so far by one process (user and system, all threads), in nanoseconds; negative when
 * unknown. Differences over a run give that process's CPU share of the machine.
 *
 * <p>Implementations are thread-safe.
 */
@FunctionalInterface
public interface CpuClock {
  long cpuNanos();

  /** This JVM, at nanosecond resolution. */
  static CpuClock self() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun::getProcessCpuTime;
    }
    return () -> -1;
  }

  /** Another process, as the OS reports it (on Linux at the kernel's tick, usually 10 ms). */
  static CpuClock of(ProcessHandle process) {
    return () -> process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** No process: always unknown. */
  static CpuClock none() {
    return () -> -1;
  }
}
