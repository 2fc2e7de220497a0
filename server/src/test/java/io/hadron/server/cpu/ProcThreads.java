package io.hadron.server.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Scheduling policies as Linux's {@code /proc} reports them, read independently of the code under
 * test: field 41 of a thread's {@code stat} file. For tests; thread-safe.
 */
public final class ProcThreads {
  /** A thread of this process: its kernel name (the first 15 bytes of the Java name) and policy. */
  public record Entry(String name, int policy) {}

  private ProcThreads() {}

  public static boolean available() {
    return Files.isReadable(Path.of("/proc/thread-self/stat"));
  }

  /** The calling thread's policy (0 normal, 3 batch, 5 idle). */
  public static int currentPolicy() {
    return policyOf(Path.of("/proc/thread-self/stat"));
  }

  /** Every thread of this process. */
  public static List<Entry> all() {
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        try {
          out.add(new Entry(Files.readString(t.resolve("comm")).strip(), policyOf(t.resolve("stat"))));
        } catch (UncheckedIOException | IOException e) {
          // the thread ended while being read
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static int policyOf(Path stat) {
    String s;
    try {
      s = Files.readString(stat);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The name (field 2) is in parentheses and may hold spaces; fields from 3 on follow the last ')'.
    String[] rest = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    return Integer.parseInt(rest[41 - 3]);
  }
}
