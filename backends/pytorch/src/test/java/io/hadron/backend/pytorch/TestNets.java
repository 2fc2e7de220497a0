package io.hadron.backend.pytorch;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.spi.BackendOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The test CNN (conv 3→8 → relu → max-pool → conv 8→16 → relu → max-pool → flatten → linear 10,
 * for 3×32×32 images), its parameters written with DJL's {@code Model.save} into a model repository
 * version directory, and a direct DJL reference to compare the backend against. Public, with
 * {@link #cnn} and {@link CnnFactory}, for the server's PyTorch tests (this module's test jar).
 */
public final class TestNets {
  static final String CNN = "cnn";
  static final long[] IMAGE = {3, 32, 32};
  public static final int CLASSES = 10;
  static final int SEED = 42;

  private TestNets() {}

  public static Block cnn() {
    return new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(CLASSES).build());
  }

  /** What the configuration's {@code hadron.djl.block_factory} names in these tests. */
  public static final class CnnFactory implements BlockFactory {
    public CnnFactory() {}

    @Override
    public Block newBlock(ModelConfig config) {
      return cnn();
    }
  }

  /**
   * Initialises the CNN with a fixed seed, saves it with {@code Model.save} under {@code
   * dir/saved}, copies the parameter file to {@code dir/<model>/1/model.pt}, and returns that path.
   */
  static Path saveCnn(Path dir) {
    Torch.engine(BackendOptions.DEFAULT);
    try (Model model = Model.newInstance(CNN, Device.cpu(), Torch.ENGINE_NAME)) {
      Engine.getEngine(Torch.ENGINE_NAME).setRandomSeed(SEED);
      Block block = cnn();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
      model.setBlock(block);
      Path saved = dir.resolve("saved");
      model.save(saved, CNN);
      Path version = Files.createDirectories(dir.resolve(CNN).resolve("1"));
      return Files.copy(saved.resolve(CNN + "-0000.params"), version.resolve("model.pt"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ModelConfig cnnConfig(int maxBatchSize, int instances) {
    ModelConfig.Builder b = ModelConfig.builder(CNN)
        .maxBatchSize(maxBatchSize)
        .addInput(new TensorConfig("INPUT__0", io.hadron.core.DataType.FP32, IMAGE, false))
        .addOutput(new TensorConfig("OUTPUT__0", io.hadron.core.DataType.FP32, new long[] {CLASSES}, false))
        .parameter(ModelFiles.BLOCK_FACTORY, CnnFactory.class.getName());
    if (instances > 0) {
      b.addInstanceGroup(InstanceGroup.cpu(instances));
    }
    return b.build();
  }

  /** Direct DJL inference on the saved parameters: the reference the backend must reproduce. */
  static final class Reference implements AutoCloseable {
    private final Model model;

    Reference(Path dir) {
      model = Model.newInstance(CNN, Device.cpu(), Torch.ENGINE_NAME);
      model.setBlock(cnn());
      try {
        model.load(dir.resolve("saved"), CNN);
      } catch (IOException | ai.djl.MalformedModelException e) {
        model.close();
        throw new IllegalStateException(e);
      }
    }

    float[] predict(float[] images, int batch) {
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDList out = model.getBlock().forward(new ParameterStore(m, false),
            new NDList(m.create(images, new Shape(batch, 3, 32, 32))), false);
        return out.singletonOrThrow().toFloatArray();
      }
    }

    @Override
    public void close() {
      model.close();
    }
  }

  static float[] randomImages(int batch, long seed) {
    Random r = new Random(seed);
    float[] f = new float[batch * 3 * 32 * 32];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return f;
  }

  static ByteBuffer direct(float[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b;
  }

  static float[] floats(ByteBuffer b) {
    float[] f = new float[b.remaining() / 4];
    b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }
}
