package io.hadron.gpupool;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Question: what does one borrow-and-return of a batch buffer cost from the host caching pool,
 * against allocating a fresh direct buffer each time ({@code ByteBuffer.allocateDirect})?
 *
 * <p>What is compared, honestly: {@code pool} is {@link HostMemoryPool#acquire} then {@link
 * HostMemoryPool#release} on a warm pool — a free-set lookup under a lock, no memory touched.
 * {@code allocateDirect} is what an unpooled server pays: the JDK reserves the bytes against
 * {@code -XX:MaxDirectMemorySize}, mallocs them, zeroes them (most of the cost at large sizes), and
 * registers a cleaner; the buffer is then dropped and its memory is returned only when the garbage
 * collector finds it, which the JDK forces (a {@code System.gc()} and a wait) whenever the
 * reservation hits the limit. The fork sets the limit to 1 GiB and the heap small, so that memory
 * is really given back during the run instead of piling up; that reclamation is part of the
 * measured cost, as it would be in a server. Neither variant writes into the buffer.
 *
 * <p>Run: {@code ./mvnw -B -f gpu-pool/pom.xml -Pbench test-compile exec:exec}; other JMH options with
 * {@code -Dbench.args="..."} (default {@code -f 1 -wi 3 -w 1s -i 5 -r 1s}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-XX:MaxDirectMemorySize=1g"})
public class HostPoolBenchmark {
  @Param({"4096", "65536", "1048576", "16777216", "67108864"})
  public int bytes;

  private MemoryPools pools;
  private HostMemoryPool pool;

  @Setup(Level.Trial)
  public void setUp() {
    pools = MemoryPools.create(PoolOptions.defaults(), GpuDevices.none("benchmark of host memory"));
    pool = pools.hostPool();
    pool.release(pool.acquire(bytes)); // warm: the segment exists
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pools.close();
  }

  @Benchmark
  public ByteBuffer pool() {
    ByteBuffer b = pool.acquire(bytes);
    pool.release(b);
    return b;
  }

  @Benchmark
  public ByteBuffer allocateDirect() {
    return ByteBuffer.allocateDirect(bytes);
  }
}
