package io.hadron.loadtests.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.hadron.loadtests.client.SampleTensor;
import io.hadron.loadtests.client.Workload;
import io.hadron.loadtests.load.CpuClock;
import io.hadron.loadtests.load.LatencyRecorder;
import io.hadron.loadtests.load.Latencies;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Question: how fast can this machine run the model at all? The bare engine is ONNX Runtime in this
 * process, with no server, no protocol and no queue: one thread calling {@code run} back to back on
 * inputs built once. It is the ceiling a server running the same model on the same cores can only
 * approach, and the denominator of the harness's Hadron/bare ratio.
 *
 * <p>Same settings as the server's engine: graph optimization {@code all}, the given intra-op thread
 * count, inter-op and every other option at ONNX Runtime's defaults, the same requested outputs. One
 * caller, as Hadron runs one instance per model by default. Inputs are the very samples the clients
 * send, repeated per row.
 *
 * <p>Runs as part of the {@link Harness} ({@code java -jar loadtests/target/hadron-bench.jar}), in the
 * same run and on the same machine as the server it is compared with.
 *
 * <p>Confined to one thread (ONNX Runtime sessions are thread-safe, but a measurement is not).
 */
final class BareEngine implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  private BareEngine(OrtSession session) {
    this.session = session;
  }

  /**
   * Loads {@code model} with {@code intraOpThreads} (0 lets ONNX Runtime decide, as in the server)
   * and the given session configuration entries ({@code key=value}).
   */
  static BareEngine load(Path model, int intraOpThreads, List<String> ortConfig) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (SessionOptions o = new SessionOptions()) {
      o.setOptimizationLevel(OptLevel.ALL_OPT);
      if (intraOpThreads > 0) {
        o.setIntraOpNumThreads(intraOpThreads);
      }
      for (String e : ortConfig) {
        int eq = e.indexOf('=');
        o.addConfigEntry(e.substring(0, eq), e.substring(eq + 1));
      }
      return new BareEngine(env.createSession(model.toString(), o));
    }
  }

  /** The ONNX Runtime version of this process. */
  static String ortVersion() {
    return OrtEnvironment.getEnvironment().getVersion();
  }

  /**
   * Runs {@code batch} rows of {@code w}'s sample back to back: warm-up, then a timed window. {@code
   * server} is read with this process and the machine to tell what CPU other processes took.
   */
  BareResult measure(Workload w, int batch, Duration warmup, Duration window, CpuClock server)
      throws OrtException {
    CpuClock self = CpuClock.self();
    CpuClock machine = CpuClock.machine();
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try {
      for (SampleTensor t : w.inputs()) {
        inputs.put(t.name(), tensor(t, batch));
      }
      Set<String> outputs = new LinkedHashSet<>(w.outputs());
      long warmEnd = System.nanoTime() + warmup.toNanos();
      do {
        run(inputs, outputs);
      } while (System.nanoTime() - warmEnd < 0);
      LatencyRecorder latencies = new LatencyRecorder();
      long self0 = self.cpuNanos();
      long server0 = server.cpuNanos();
      long machine0 = machine.cpuNanos();
      long start = System.nanoTime();
      long end = start + window.toNanos();
      long now = start;
      long calls = 0;
      while (now - end < 0) {
        long t0 = now;
        run(inputs, outputs);
        now = System.nanoTime();
        latencies.record(now - t0);
        calls++;
      }
      long others = machine.cpuNanos() - machine0 - (self.cpuNanos() - self0) - (server.cpuNanos() - server0);
      boolean known = self0 >= 0 && server0 >= 0 && machine0 >= 0;
      // The three clocks tick at different resolutions: on a quiet machine the difference can dip below 0.
      return new BareResult(batch, calls, now - start, Latencies.merge(List.of(latencies)),
          known ? Math.max(0, others) : -1);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private void run(Map<String, OnnxTensor> inputs, Set<String> outputs) throws OrtException {
    try (OrtSession.Result r = session.run(inputs, outputs)) {
      if (r.size() != outputs.size()) {
        throw new IllegalStateException("engine returned " + r.size() + " outputs, expected " + outputs);
      }
    }
  }

  private OnnxTensor tensor(SampleTensor t, int batch) throws OrtException {
    ByteBuffer data = t.repeated(batch);
    long[] shape = t.batchShape(batch);
    return switch (t.type()) {
      case INT32 -> OnnxTensor.createTensor(env, data.asIntBuffer(), shape);
      case INT64 -> OnnxTensor.createTensor(env, data.asLongBuffer(), shape);
    };
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
