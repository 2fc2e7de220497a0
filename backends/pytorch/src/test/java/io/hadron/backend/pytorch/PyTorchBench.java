package io.hadron.backend.pytorch;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Question: how many images per second does one instance of the test CNN (3×32×32 → 10) serve
 * through the backend itself, at batch sizes 1, 8 and 32, with no server, batcher or network in
 * the way? The figure bounds what the server can reach with this model on this machine.
 *
 * <p>Not a unit test. Run after {@code ./mvnw -pl backends/pytorch test-compile}:
 *
 * <pre>
 * ./mvnw -q -pl backends/pytorch dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java --enable-native-access=ALL-UNNAMED \
 *   -cp backends/pytorch/target/test-classes:backends/pytorch/target/classes:$(cat backends/pytorch/cp.txt) \
 *   io.hadron.backend.pytorch.PyTorchBench [seconds-per-size] [intra-op-threads]
 * </pre>
 *
 * Each size runs one warm-up period and then {@code seconds-per-size} (default 5) measured seconds
 * on one thread, the way the server drives one instance; latency percentiles are per batch.
 */
public final class PyTorchBench {
  private PyTorchBench() {}

  public static void main(String[] args) throws IOException {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    BackendOptions options = new BackendOptions(4, threads, 0);
    Path dir = Files.createTempDirectory("hadron-pytorch-bench");
    Path file = TestNets.saveCnn(dir);
    PyTorchBackend backend = new PyTorchBackend();
    var config = backend.complete(TestNets.cnnConfig(32, 1), file, options);
    System.out.printf("PyTorch %s, %d intra-op threads, %d cores%n", Torch.engine(options).getVersion(),
        ai.djl.pytorch.jni.JniUtils.getNumThreads(), Runtime.getRuntime().availableProcessors());
    try (LoadedModel m = backend.load(config, file, options)) {
      ModelInstance instance = m.instances().getFirst();
      for (int batch : new int[] {1, 8, 32}) {
        ByteBuffer images = TestNets.direct(TestNets.randomImages(batch, batch));
        Tensor in = new Tensor("INPUT__0", DataType.FP32, new long[] {batch, 3, 32, 32}, images);
        run(instance, in, seconds / 2); // warm-up: JIT, libtorch's allocator and thread pool
        long[] latencies = run(instance, in, seconds);
        Arrays.sort(latencies);
        double total = Arrays.stream(latencies).sum() / 1e9;
        System.out.printf("batch %2d: %8.0f images/s, %7.0f batches/s, p50 %.3f ms, p99 %.3f ms (%d batches)%n",
            batch, latencies.length * batch / total, latencies.length / total,
            latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6,
            latencies.length);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static long[] run(ModelInstance instance, Tensor in, double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long[] lat = new long[1 << 16];
    int n = 0;
    while (System.nanoTime() < end && n < lat.length) {
      long t0 = System.nanoTime();
      instance.execute(List.of(in), List.of("OUTPUT__0"));
      lat[n++] = System.nanoTime() - t0;
    }
    return Arrays.copyOf(lat, n);
  }
}
