package io.hadron.server.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.hadron.backend.pytorch.BlockFactory;
import io.hadron.core.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * Writes a model repository with a small CNN for {@link CnnThroughput}: conv 3→8 → relu → max-pool
 * → conv 8→16 → relu → max-pool → flatten → linear 10 on 3×32×32 FP32 images, built with DJL's
 * Block API, initialised with a fixed seed and saved with {@code Model.save}, in two variants with
 * the same parameters:
 *
 * <ul>
 *   <li>{@code cnn}: {@code max_batch_size: 32} with {@code dynamic_batching {
 *       max_queue_delay_microseconds: 2000 }}, so concurrent requests run together;
 *   <li>{@code cnn-nobatch}: {@code max_batch_size: 32} without {@code dynamic_batching}, so each
 *       request runs as one execution of its own rows.
 * </ul>
 *
 * <p>The models are DJL parameter files, so the server builds the network with {@link CnnFactory},
 * named in each configuration by {@code hadron.djl.block_factory}: it must be on the server's class
 * path, which is why the server for this benchmark runs from the jar plus the test classes (see
 * {@link CnnThroughput} for the command lines). Run with the test classpath:
 *
 * <pre>
 * java -cp server/target/test-classes:server/target/classes:$(cat server/target/test.classpath) \
 *     io.hadron.server.bench.CnnRepository DIR
 * </pre>
 *
 * <p>DJL runs offline from the natives on the class path, unpacked into the folder the server uses
 * ({@code -Dhadron.pytorch.cache-dir}, default {@code <java.io.tmpdir>/hadron-<user.name>/pytorch}).
 * A command-line tool, single-threaded.
 */
public final class CnnRepository {
  static final int SEED = 42;

  private CnnRepository() {}

  /** The network; every call returns a new, uninitialised block. */
  public static Block cnn() {
    return new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(10).build());
  }

  /** What the configurations' {@code hadron.djl.block_factory} names. Stateless. */
  public static final class CnnFactory implements BlockFactory {
    public CnnFactory() {}

    @Override
    public Block newBlock(ModelConfig config) {
      return cnn();
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CnnRepository DIR (the model repository to write)");
    }
    Path repo = Files.createDirectories(Path.of(args[0]));
    // As the PyTorch backend does before it starts the engine: never download, reuse its natives.
    String configured = System.getProperty("hadron.pytorch.cache-dir");
    Path cache = (configured != null && !configured.isBlank()
        ? Paths.get(configured)
        : Paths.get(System.getProperty("java.io.tmpdir"), "hadron-" + System.getProperty("user.name"), "pytorch"))
        .toAbsolutePath();
    Files.createDirectories(cache);
    System.setProperty("ENGINE_CACHE_DIR", cache.toString());
    System.setProperty("DJL_CACHE_DIR", cache.toString());
    System.setProperty("ai.djl.offline", "true");

    Path saved = Files.createTempDirectory("cnn-saved");
    try (Model model = Model.newInstance("cnn", Device.cpu(), "PyTorch")) {
      Engine.getEngine("PyTorch").setRandomSeed(SEED);
      Block block = cnn();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
      model.setBlock(block);
      model.save(saved, "cnn");
    }
    Path params = saved.resolve("cnn-0000.params");
    write(repo, "cnn", params, "dynamic_batching { max_queue_delay_microseconds: 2000 }\n");
    write(repo, "cnn-nobatch", params, "");
    Files.delete(params);
    try (var rest = Files.list(saved)) {
      for (Path p : rest.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(saved);
    System.out.println("wrote cnn and cnn-nobatch to " + repo.toAbsolutePath());
  }

  private static void write(Path repo, String name, Path params, String batching) throws IOException {
    Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.copy(params, version.resolve("model.pt"), StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), """
        name: "%s"
        platform: "pytorch_libtorch"
        max_batch_size: 32
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 3, 32, 32 ] } ]
        output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] } ]
        %sparameters { key: "hadron.djl.block_factory" value: { string_value: "%s" } }
        """.formatted(name, batching, CnnFactory.class.getName()));
  }
}
