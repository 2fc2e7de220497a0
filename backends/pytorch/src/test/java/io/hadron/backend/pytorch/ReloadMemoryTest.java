package io.hadron.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load, run and unload the CNN (two instances, five batches of 16 each) twenty times and watch the
 * process's resident memory (VmRSS from /proc/self/status after each cycle). Freed native memory is
 * not always returned to the OS (glibc keeps its arenas), so the test does not expect RSS to fall
 * back; it expects it to stop growing. The first {@value #WARM_UP} cycles warm up (libtorch's
 * allocator, thread pools, JIT); then the peak of the last five cycles may exceed the lowest of the
 * five cycles right after warm-up by less than {@value #BOUND_MIB} MiB, so a leak of about 1.1 MiB
 * per cycle or more fails. One load holds about 0.1 MB of parameters per instance and a batch
 * about 1 MB of activations; the per-cycle figures are printed.
 */
class ReloadMemoryTest {
  private static final int CYCLES = 20;
  private static final int WARM_UP = 5;
  private static final long BOUND_MIB = 16;

  @TempDir Path dir;

  @Test
  void twentyLoadUnloadCyclesDoNotGrowResidentMemory() throws IOException {
    Path file = TestNets.saveCnn(dir);
    PyTorchBackend backend = new PyTorchBackend();
    var config = backend.complete(TestNets.cnnConfig(16, 2), file, BackendOptions.DEFAULT);
    float[] images = TestNets.randomImages(16, 7);
    List<Long> rss = new ArrayList<>();
    for (int cycle = 0; cycle < CYCLES; cycle++) {
      try (LoadedModel m = backend.load(config, file, BackendOptions.DEFAULT)) {
        for (var instance : m.instances()) {
          for (int run = 0; run < 5; run++) {
            Tensor in = new Tensor("INPUT__0", DataType.FP32, new long[] {16, 3, 32, 32}, TestNets.direct(images));
            instance.execute(List.of(in), List.of("OUTPUT__0"));
          }
        }
      }
      System.gc(); // direct buffers of inputs and outputs are freed by the collector
      rss.add(vmRssKib());
    }
    long base = rss.subList(WARM_UP, WARM_UP + 5).stream().mapToLong(Long::longValue).min().orElseThrow();
    long peak = rss.subList(CYCLES - 5, CYCLES).stream().mapToLong(Long::longValue).max().orElseThrow();
    System.out.printf("VmRSS per cycle (MiB): %s; after warm-up (min) %d MiB, at the end (max) %d MiB, "
        + "growth %d KiB%n", rss.stream().map(k -> k / 1024).toList(), base / 1024, peak / 1024, peak - base);
    assertTrue(peak - base < BOUND_MIB * 1024, "RSS grew by " + (peak - base) + " KiB over "
        + (CYCLES - WARM_UP) + " cycles: " + rss);
  }

  private static long vmRssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
