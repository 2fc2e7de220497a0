package io.hadron.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.spi.BackendOptions;
import io.hadron.core.spi.LoadedModel;
import io.hadron.core.spi.ModelInstance;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java-built CNN, saved as DJL parameters, served through the backend and compared with direct
 * DJL inference on the same parameters. Both run the same libtorch kernels on the same thread
 * count, so results agree to float32 rounding; the tolerance, 1e-5 absolute, leaves room for a
 * different summation order at another batch size.
 */
class CnnExecuteTest {
  private static final float TOLERANCE = 1e-5f;

  @TempDir static Path dir;
  private static Path file;
  private static TestNets.Reference reference;

  private final PyTorchBackend backend = new PyTorchBackend();

  @BeforeAll
  static void save() {
    file = TestNets.saveCnn(dir);
    reference = new TestNets.Reference(dir);
  }

  @AfterAll
  static void closeReference() {
    reference.close();
  }

  @Test
  void batchesOfOneToSixteenMatchDirectInference() {
    var config = backend.complete(TestNets.cnnConfig(16, 1), file, BackendOptions.DEFAULT);
    assertEquals("pytorch_libtorch", config.platform());
    assertEquals("pytorch", config.backend());
    try (LoadedModel m = backend.load(config, file, BackendOptions.DEFAULT)) {
      ModelInstance instance = m.instances().getFirst();
      assertEquals("cpu", instance.device());
      for (int batch : new int[] {1, 2, 3, 7, 8, 16}) {
        float[] images = TestNets.randomImages(batch, batch);
        Tensor in = new Tensor("INPUT__0", DataType.FP32, new long[] {batch, 3, 32, 32}, TestNets.direct(images));
        List<Tensor> out = instance.execute(List.of(in), List.of("OUTPUT__0"));
        Tensor logits = out.getFirst();
        assertEquals("OUTPUT__0", logits.name());
        assertEquals(DataType.FP32, logits.datatype());
        assertArrayEquals(new long[] {batch, TestNets.CLASSES}, logits.shape());
        assertTrue(logits.data().isDirect());
        assertEquals(ByteOrder.LITTLE_ENDIAN, logits.data().order());
        float[] expected = reference.predict(images, batch);
        assertArrayEquals(expected, TestNets.floats(logits.data()), TOLERANCE, "batch " + batch);
      }
    }
  }

  @Test
  void everyInstanceOwnsAModelAndComputesTheSame() {
    var config = backend.complete(TestNets.cnnConfig(8, 3), file, BackendOptions.DEFAULT);
    try (LoadedModel m = backend.load(config, file, BackendOptions.DEFAULT)) {
      assertEquals(3, m.instances().size());
      float[] images = TestNets.randomImages(4, 99);
      float[] expected = reference.predict(images, 4);
      for (ModelInstance i : m.instances()) {
        Tensor in = new Tensor("INPUT__0", DataType.FP32, new long[] {4, 3, 32, 32}, TestNets.direct(images));
        float[] got = TestNets.floats(i.execute(List.of(in), List.of("OUTPUT__0")).getFirst().data());
        assertArrayEquals(expected, got, TOLERANCE);
      }
      // The instances are separate copies: different inputs give different outputs on each.
      Tensor a = new Tensor("INPUT__0", DataType.FP32, new long[] {1, 3, 32, 32},
          TestNets.direct(TestNets.randomImages(1, 1)));
      Tensor b = new Tensor("INPUT__0", DataType.FP32, new long[] {1, 3, 32, 32},
          TestNets.direct(TestNets.randomImages(1, 2)));
      assertNotEquals(m.instances().get(0).execute(List.of(a), List.of("OUTPUT__0")).getFirst().data(),
          m.instances().get(1).execute(List.of(b), List.of("OUTPUT__0")).getFirst().data());
    }
  }
}
