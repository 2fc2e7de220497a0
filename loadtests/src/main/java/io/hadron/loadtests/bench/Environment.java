package io.hadron.loadtests.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The facts a benchmark result is meaningless without: when, on what CPU, with which JDK and engine.
 *
 * <p>Immutable.
 *
 * @param date start of the run, UTC
 * @param cpuModel the CPU's model name (Linux), else the architecture
 * @param cores processors available to the JVM
 * @param os operating system and kernel
 * @param jdk the JDK running the harness and the server
 * @param ortVersion ONNX Runtime's version in the harness (the server's jar carries the same one)
 */
record Environment(String date, String cpuModel, int cores, String os, String jdk, String ortVersion) {

  static Environment capture(String ortVersion) {
    String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    String jdk = System.getProperty("java.vm.vendor", "?") + " " + System.getProperty("java.runtime.name", "Java")
        + " " + Runtime.version();
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
        + System.getProperty("os.arch") + ")";
    return new Environment(date, readCpuModel(), Runtime.getRuntime().availableProcessors(), os, jdk, ortVersion);
  }

  /** The 1, 5 and 15 minute load averages, from /proc on Linux, else the JVM's 1-minute figure. */
  static String loadAverage() {
    Path loadavg = Path.of("/proc/loadavg");
    try {
      if (Files.isReadable(loadavg)) {
        String[] f = Files.readString(loadavg).trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
      }
    } catch (IOException e) {
      // fall through to the portable figure
    }
    double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return one < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", one);
  }

  private static String readCpuModel() {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    try {
      if (Files.isReadable(cpuinfo)) {
        for (String line : Files.readAllLines(cpuinfo)) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim();
          }
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.arch");
  }
}
