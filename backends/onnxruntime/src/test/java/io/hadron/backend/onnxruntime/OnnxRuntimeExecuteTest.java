package io.hadron.backend.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OnnxRuntimeExecuteTest {
  private static final BackendOptions OPTIONS = new BackendOptions(4, 1, 1);

  private final OnnxRuntimeBackend backend = new OnnxRuntimeBackend();

  @TempDir Path dir;

  private LoadedModel load(String name, Path file, String preallocate) {
    ModelConfig.Builder b = ModelConfig.builder(name);
    if (preallocate != null) {
      b.parameter(SessionSettings.PREALLOCATE_OUTPUTS, preallocate);
    }
    return backend.load(backend.complete(b.build(), file, OPTIONS), file, OPTIONS);
  }

  @Test
  void simpleModelAddsAndSubtractsABatchOfThree() {
    int[] a = new int[48];
    int[] b = new int[48];
    for (int i = 0; i < 48; i++) {
      a[i] = i * 7 - 100;
      b[i] = 3 - i;
    }
    try (LoadedModel m = load("simple", TestModels.simple(dir), null)) {
      assertEquals(4, m.config().maxBatchSize());
      List<Tensor> out = m.instances().getFirst().execute(
          List.of(TestModels.int32("INPUT0", new long[] {3, 16}, a), TestModels.int32("INPUT1", new long[] {3, 16}, b)),
          List.of("OUTPUT0", "OUTPUT1"));

      assertEquals(List.of("OUTPUT0", "OUTPUT1"), TestModels.names(out));
      for (Tensor t : out) {
        assertEquals(DataType.INT32, t.datatype());
        assertArrayEquals(new long[] {3, 16}, t.shape());
      }
      ByteBuffer sum = out.get(0).data();
      ByteBuffer diff = out.get(1).data();
      for (int i = 0; i < 48; i++) {
        assertEquals(a[i] + b[i], sum.getInt(i * 4), "sum at " + i);
        assertEquals(a[i] - b[i], diff.getInt(i * 4), "difference at " + i);
      }
    }
  }

  @Test
  void instancesRunConcurrentlyEachOnItsOwnThread() throws Exception {
    Path file = TestModels.simple(dir);
    ModelConfig c = backend.complete(
        ModelConfig.builder("simple").addInstanceGroup(InstanceGroup.cpu(3)).build(), file, OPTIONS);
    try (LoadedModel m = backend.load(c, file, OPTIONS);
        ExecutorService pool = Executors.newFixedThreadPool(3)) {
      List<Future<?>> done = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        ModelInstance instance = m.instances().get(k);
        int offset = k * 1000;
        done.add(pool.submit(() -> {
          for (int run = 0; run < 30; run++) {
            int base = offset + run;
            List<Tensor> out = instance.execute(
                List.of(TestModels.int32("INPUT0", new long[] {1, 16}, filled(16, base)),
                    TestModels.int32("INPUT1", new long[] {1, 16}, filled(16, 1))),
                List.of("OUTPUT0"));
            assertEquals(base + 1, out.getFirst().data().getInt(60));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
  }

  @Test
  void outputsComeBackInTheRequestedOrderAndOnlyThoseRequested() {
    try (LoadedModel m = load("simple", TestModels.simple(dir), "false")) {
      List<Tensor> in = List.of(
          TestModels.int32("INPUT0", new long[] {1, 16}, new int[16]),
          TestModels.int32("INPUT1", new long[] {1, 16}, filled(16, 2)));
      ModelInstance instance = m.instances().getFirst();

      assertEquals(List.of("OUTPUT1", "OUTPUT0"), TestModels.names(instance.execute(in, List.of("OUTPUT1", "OUTPUT0"))));
      List<Tensor> one = instance.execute(in, List.of("OUTPUT1"));
      assertEquals(List.of("OUTPUT1"), TestModels.names(one));
      assertEquals(-2, one.getFirst().data().getInt(0));
    }
  }

  static Stream<Arguments> feedableTypes() {
    List<Arguments> out = new ArrayList<>();
    for (DataType t : DataType.values()) {
      if (OrtTypes.feedable(t)) {
        out.add(Arguments.of(t, true));
        out.add(Arguments.of(t, false));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, preallocated outputs {1}")
  @MethodSource("feedableTypes")
  void identityReturnsTheInputBytesForEveryFeedableDatatype(DataType type, boolean preallocate) {
    Tensor input = sample(type, new long[] {2, 5});
    try (LoadedModel m = load("identity", TestModels.identity(dir, type), String.valueOf(preallocate))) {
      Tensor out = m.instances().getFirst().execute(List.of(input), List.of("OUTPUT")).getFirst();

      assertEquals(type, out.datatype());
      assertArrayEquals(new long[] {2, 5}, out.shape());
      assertEquals(input.data(), out.data(), "output bytes differ from input bytes");
    }
  }

  @Test
  void outputsLiveInDirectLittleEndianBuffersEitherWay() {
    for (String preallocate : new String[] {"true", "false"}) {
      try (LoadedModel m = load("identity", TestModels.identity(dir, DataType.FP32), preallocate)) {
        Tensor out = m.instances().getFirst()
            .execute(List.of(sample(DataType.FP32, new long[] {1, 3})), List.of("OUTPUT")).getFirst();
        assertTrue(out.data().isDirect(), "preallocate=" + preallocate);
        assertEquals(ByteOrder.LITTLE_ENDIAN, out.data().order());
      }
    }
  }

  @Test
  void anEmptyTensorRunsAndComesBackEmpty() {
    for (DataType type : new DataType[] {DataType.FP32, DataType.BYTES}) {
      Tensor empty = sample(type, new long[] {0, 3});
      try (LoadedModel m = load("identity", TestModels.identity(dir, type), null)) {
        Tensor out = m.instances().getFirst().execute(List.of(empty), List.of("OUTPUT")).getFirst();
        assertArrayEquals(new long[] {0, 3}, out.shape(), type.toString());
        assertEquals(0, out.byteSize());
      }
    }
  }

  @Test
  void heapBackedInputsAreCopiedOnceAndWork() {
    ByteBuffer heap = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(8f).flip();
    Tensor input = new Tensor("INPUT", DataType.FP32, new long[] {1, 3}, heap);
    try (LoadedModel m = load("identity", TestModels.identity(dir, DataType.FP32), null)) {
      Tensor out = m.instances().getFirst().execute(List.of(input), List.of("OUTPUT")).getFirst();
      assertEquals(input.data(), out.data());
    }
  }

  @Test
  void stringsOfEveryKindRoundTripThroughBytesTensors() {
    List<String> text = List.of("", "plain", "héllo wörld", "日本語", "emoji \uD83D\uDE00", "nul\0inside");
    Tensor input = Tensor.ofStrings("INPUT", text);
    Tensor batched = new Tensor("INPUT", DataType.BYTES, new long[] {2, 3}, input.data());
    try (LoadedModel m = load("identity", TestModels.identity(dir, DataType.BYTES), null)) {
      Tensor out = m.instances().getFirst().execute(List.of(batched), List.of("OUTPUT")).getFirst();

      assertArrayEquals(new long[] {2, 3}, out.shape());
      assertEquals(text, out.bytesElements().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }
  }

  @Test
  void bytesThatAreNotUtf8AreRejectedNamingTheElement() {
    ByteBuffer data = Tensor.encodeBytes(List.of("ok".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 0x28}));
    Tensor input = new Tensor("INPUT", DataType.BYTES, new long[] {1, 2}, data);
    try (LoadedModel m = load("identity", TestModels.identity(dir, DataType.BYTES), null)) {
      var e = assertThrows(HadronException.InvalidArgument.class,
          () -> m.instances().getFirst().execute(List.of(input), List.of("OUTPUT")));
      assertTrue(e.getMessage().contains("'INPUT'") && e.getMessage().contains("element 1"), e.getMessage());
    }
  }

  @Test
  void uint32OutputsAreReadAsRawBytes() {
    Path file = TestModels.write(dir, "cast", TestModels.castToUint32());
    try (LoadedModel m = load("cast", file, null)) {
      assertEquals(DataType.UINT32, m.config().outputs().getFirst().datatype());
      Tensor out = m.instances().getFirst()
          .execute(List.of(TestModels.int32("INPUT", new long[] {1, 3}, 0, 7, Integer.MAX_VALUE)), List.of("OUTPUT"))
          .getFirst();

      assertEquals(DataType.UINT32, out.datatype());
      assertEquals(7, out.data().getInt(4));
      assertEquals(Integer.MAX_VALUE, out.data().getInt(8));
    }
  }

  @Test
  void anOutputWhoseMetadataMisleadsIsRecomputedAndThenNoLongerPreallocated() {
    Path file = TestModels.write(dir, "transpose", TestModels.misdeclaredTranspose());
    Tensor input = sample(DataType.FP32, new long[] {2, 3});
    try (LoadedModel m = load("transpose", file, null)) {
      ModelInstance instance = m.instances().getFirst();
      for (int run = 0; run < 2; run++) {
        Tensor out = instance.execute(List.of(input), List.of("OUTPUT")).getFirst();
        assertArrayEquals(new long[] {3, 2}, out.shape(), "run " + run);
        assertEquals(input.data().getFloat(4), out.data().getFloat(2 * 4), "element [0][1] moves to [1][0]");
      }
    }
  }

  @Test
  void miniLmEmbedsABatchOfTwoByEight() {
    long[] shape = {2, 8};
    long[] ids = {101, 7592, 2088, 2003, 1037, 3231, 1012, 102, 101, 2023, 2003, 2178, 6251, 2182, 1012, 102};
    long[] mask = new long[16];
    Arrays.fill(mask, 1);
    try (LoadedModel m = load("minilm", TestModels.miniLm(dir), null)) {
      List<Tensor> out = m.instances().getFirst().execute(
          List.of(TestModels.int64("input_ids", shape, ids), TestModels.int64("attention_mask", shape, mask),
              TestModels.int64("token_type_ids", shape, new long[16])),
          List.of("last_hidden_state"));

      Tensor hidden = out.getFirst();
      assertArrayEquals(new long[] {2, 8, 384}, hidden.shape());
      ByteBuffer d = hidden.data();
      double norm = 0;
      for (int i = 0; i < 2 * 8 * 384; i++) {
        float v = d.getFloat(i * 4);
        assertTrue(Float.isFinite(v), "value " + i + " is " + v);
        norm += v * v;
      }
      assertTrue(norm > 1, "embeddings are all but zero: " + norm);
      assertTrue(d.getFloat(0) != d.getFloat(8 * 384 * 4), "the two sentences embed differently");
    }
  }

  @Test
  void inputsThatDoNotMatchTheModelAreRejectedByName() {
    try (LoadedModel m = load("simple", TestModels.simple(dir), null)) {
      ModelInstance instance = m.instances().getFirst();
      Tensor in0 = TestModels.int32("INPUT0", new long[] {1, 16}, new int[16]);
      Tensor in1 = TestModels.int32("INPUT1", new long[] {1, 16}, new int[16]);

      var missing = assertThrows(HadronException.InvalidArgument.class,
          () -> instance.execute(List.of(in0), List.of("OUTPUT0")));
      assertTrue(missing.getMessage().contains("'INPUT1'"), missing.getMessage());

      var unknown = assertThrows(HadronException.InvalidArgument.class,
          () -> instance.execute(List.of(in0, in1, in0.withName("INPUTX")), List.of("OUTPUT0")));
      assertTrue(unknown.getMessage().contains("'INPUTX'"), unknown.getMessage());

      Tensor wrongType = sample(DataType.FP32, new long[] {1, 16}).withName("INPUT1");
      var type = assertThrows(HadronException.InvalidArgument.class,
          () -> instance.execute(List.of(in0, wrongType), List.of("OUTPUT0")));
      assertTrue(type.getMessage().contains("'INPUT1'") && type.getMessage().contains("FP32"), type.getMessage());

      var output = assertThrows(HadronException.InvalidArgument.class,
          () -> instance.execute(List.of(in0, in1), List.of("OUTPUT7")));
      assertTrue(output.getMessage().contains("'OUTPUT7'"), output.getMessage());

      Tensor shortRow = TestModels.int32("INPUT1", new long[] {1, 8}, new int[8]);
      var shape = assertThrows(HadronException.InvalidArgument.class,
          () -> instance.execute(List.of(in0, shortRow), List.of("OUTPUT0")));
      assertTrue(shape.getMessage().contains("INPUT1"), shape.getMessage());

      // The instance is still usable after every rejection.
      assertEquals(1, instance.execute(List.of(in0, in1), List.of("OUTPUT0")).size());
    }
  }

  @Test
  void executingAfterCloseIsUnavailable() {
    LoadedModel m = load("simple", TestModels.simple(dir), null);
    ModelInstance instance = m.instances().getFirst();
    m.close();

    assertThrows(HadronException.Unavailable.class, () -> instance.execute(
        List.of(TestModels.int32("INPUT0", new long[] {1, 16}, new int[16]),
            TestModels.int32("INPUT1", new long[] {1, 16}, new int[16])),
        List.of("OUTPUT0")));
  }

  @Test
  void duplicateOutputNamesShareOneResult() {
    try (LoadedModel m = load("identity", TestModels.identity(dir, DataType.INT8), null)) {
      List<Tensor> out = m.instances().getFirst()
          .execute(List.of(sample(DataType.INT8, new long[] {1, 4})), List.of("OUTPUT", "OUTPUT"));
      assertEquals(2, out.size());
      assertSame(out.get(0), out.get(1));
    }
  }

  private static int[] filled(int n, int v) {
    int[] a = new int[n];
    Arrays.fill(a, v);
    return a;
  }

  /** Random but valid data of a type: BOOL as 0/1, BYTES as short strings. */
  private static Tensor sample(DataType type, long[] shape) {
    Random r = new Random(type.ordinal() * 31L + shape.length);
    int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (x, y) -> x * y));
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        elements.add(("s" + r.nextInt(1000) + "-ü").getBytes(StandardCharsets.UTF_8));
      }
      return new Tensor("INPUT", type, shape, Tensor.encodeBytes(elements));
    }
    ByteBuffer b = ByteBuffer.allocateDirect(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.BOOL) {
      for (int i = 0; i < n; i++) {
        b.put((byte) r.nextInt(2));
      }
    } else {
      byte[] bytes = new byte[n * type.byteSize()];
      r.nextBytes(bytes);
      b.put(bytes);
    }
    return new Tensor("INPUT", type, shape, b.flip());
  }
}
