package io.hadron.loadtests.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /**
   * The whole machine: CPU time spent busy on all cores (Linux {@code /proc/stat}: user, nice, system,
   * irq, softirq, steal), at the kernel's tick. Less this process and the server, it is the CPU that
   * other processes took, the sign of a measurement disturbed by a shared machine.
   */
  static CpuClock machine() {
    Path stat = Path.of("/proc/stat");
    if (!Files.isReadable(stat)) {
      return none();
    }
    return () -> {
      // A read can fail transiently (an interrupted system call); one retry is enough in practice.
      for (int attempt = 0; attempt < 2; attempt++) {
        try (BufferedReader r = Files.newBufferedReader(stat)) {
          String[] f = r.readLine().trim().split("\\s+");
          // cpu user nice system idle iowait irq softirq steal ...
          long busy = 0;
          for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
            busy += i < f.length ? Long.parseLong(f[i]) : 0;
          }
          return busy * 1_000_000_000L / USER_HZ;
        } catch (IOException | RuntimeException e) {
          // try again, then report unknown
        }
      }
      return -1;
    };
  }

  /** Linux's USER_HZ, the unit of /proc CPU times: 100 on every mainstream kernel build. */
  long USER_HZ = 100;

  /** No process: always unknown. */
  static CpuClock none() {
    return () -> -1;
  }
}
