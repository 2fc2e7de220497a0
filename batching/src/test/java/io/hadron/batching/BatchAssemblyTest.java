package io.hadron.batching;

import static io.hadron.batching.Fixtures.config;
import static io.hadron.batching.Fixtures.dynamic;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Concatenating inputs into pooled buffers and cutting outputs back, without threads. */
class BatchAssemblyTest {
  private final BatchPolicy policy = BatchPolicy.of("m", "1", config(16, dynamic(List.of(), 0)),
      SchedulerOptions.WithoutDynamicBatching.ONE_REQUEST_PER_EXECUTION);

  private Batch batch(BatchRequest... requests) {
    Pending[] ps = new Pending[requests.length];
    int rows = 0;
    for (int i = 0; i < ps.length; i++) {
      ps[i] = Pending.of(requests[i], policy);
      rows += ps[i].rows;
    }
    return new Batch(ps, rows, 0);
  }

  private static Tensor strings(String name, List<String> rowA, List<String> rowB) {
    List<byte[]> all = new ArrayList<>();
    for (List<String> row : rowB == null ? List.of(rowA) : List.of(rowA, rowB)) {
      row.forEach(s -> all.add(s.getBytes(StandardCharsets.UTF_8)));
    }
    long rows = rowB == null ? 1 : 2;
    return new Tensor(name, DataType.BYTES, new long[] {rows, rowA.size()}, Tensor.encodeBytes(all));
  }

  @Test
  void inputsAreConcatenatedPerNameWhateverOrderRequestsListThem() {
    BatchRequest a = new BatchRequest(List.of(Fixtures.x("p", 1, 1, 2), Fixtures.x("q", 2, 1, 3)), List.of("y"));
    BatchRequest b = new BatchRequest(List.of(Fixtures.x("q", 4, 2, 3), Fixtures.x("p", 3, 2, 2)), List.of("y"));
    Batch batch = batch(a, b);
    ByteBuffer[] borrowed = new ByteBuffer[2];
    List<Tensor> in = BatchAssembler.assemble(batch, BufferPool.unpooled(), borrowed);
    assertEquals(List.of("p", "q"), in.stream().map(Tensor::name).toList());
    assertArrayEquals(new long[] {3, 2}, in.get(0).shape());
    assertArrayEquals(new long[] {3, 3}, in.get(1).shape());
    assertEquals(List.of(1, 3, 3), Fixtures.rowIds(in.get(0)));
    assertEquals(List.of(2, 4, 4), Fixtures.rowIds(in.get(1)));
    assertTrue(borrowed[0].isDirect() && borrowed[1].isDirect());
  }

  @Test
  void bytesInputsConcatenateAndBytesOutputsSplitByLengthPrefixes() {
    Tensor a = strings("s", List.of("a", "bb"), null);
    Tensor b = strings("s", List.of("", "cccc"), List.of("dd", "e"));
    Batch batch = batch(new BatchRequest(List.of(a), List.of("s")), new BatchRequest(List.of(b), List.of("s")));
    List<Tensor> in = BatchAssembler.assemble(batch, BufferPool.unpooled(), new ByteBuffer[1]);
    assertEquals(List.of("a", "bb", "", "cccc", "dd", "e"),
        in.get(0).bytesElements().stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList());

    OutputSlicer.distribute(batch, List.of(in.get(0).withName("s")), List.of("s"), policy.label);
    Tensor outA = batch.requests[0].result.get(0);
    Tensor outB = batch.requests[1].result.get(0);
    assertArrayEquals(new long[] {1, 2}, outA.shape());
    assertArrayEquals(new long[] {2, 2}, outB.shape());
    assertEquals(List.of("a", "bb"), text(outA));
    assertEquals(List.of("", "cccc", "dd", "e"), text(outB));
  }

  @Test
  void outputsAreViewsOfTheEngineBufferNotCopies() {
    Batch batch = batch(Fixtures.request(1, 1), Fixtures.request(2, 2));
    ByteBuffer engine = ByteBuffer.allocateDirect(3 * 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
    Tensor y = new Tensor("y", DataType.FP32, new long[] {3, 2}, engine);
    OutputSlicer.distribute(batch, List.of(y), List.of("y"), policy.label);
    engine.putFloat(2 * 4, 42f); // row 1 = the second request's first row
    Tensor second = batch.requests[1].result.get(0);
    assertEquals(42f, second.data().getFloat(0));
    assertArrayEquals(new long[] {2, 2}, second.shape());
  }

  @Test
  void outputWhoseFirstDimensionIsNotTheBatchIsAnInternalError() {
    Batch batch = batch(Fixtures.request(1, 1), Fixtures.request(2, 1));
    Tensor wrong = new Tensor("y", DataType.FP32, new long[] {3, 2}, ByteBuffer.allocateDirect(24));
    var e = assertThrows(HadronException.Internal.class,
        () -> OutputSlicer.distribute(batch, List.of(wrong), List.of("y"), policy.label));
    assertTrue(e.getMessage().contains("output 'y' has shape [3,2] but the batch has 2 rows"), e.getMessage());
    assertThrows(HadronException.Internal.class,
        () -> OutputSlicer.distribute(batch, List.of(), List.of("y"), policy.label));
  }

  @Test
  void poolReusesReleasedBuffersBySizeClassWithinItsBound() {
    DirectBufferPool pool = new DirectBufferPool(16 << 10);
    ByteBuffer a = pool.acquire(5000);
    assertEquals(5000, a.limit());
    assertEquals(8192, a.capacity());
    pool.release(a);
    assertEquals(8192, pool.retainedBytes());
    ByteBuffer b = pool.acquire(8000);
    assertTrue(a == b, "the freed buffer is lent again");
    assertEquals(0, b.position());
    assertEquals(8000, b.limit());
    pool.release(b);
    pool.release(pool.acquire(16 << 10)); // would exceed the bound together with b: dropped
    assertEquals(8192, pool.retainedBytes());
    pool.release(ByteBuffer.allocate(4096)); // not ours (heap): ignored
    assertEquals(8192, pool.retainedBytes());
  }

  private static List<String> text(Tensor t) {
    return t.bytesElements().stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList();
  }
}
