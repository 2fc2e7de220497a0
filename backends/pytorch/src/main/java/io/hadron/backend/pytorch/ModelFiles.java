package io.hadron.backend.pytorch;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Tells the two model file formats apart and opens one copy of a model on one device.
 *
 * <ul>
 *   <li><b>TorchScript</b> (a zip archive, as {@code torch.jit.save} writes it): loaded with DJL's
 *       {@code Model.load}, mapped onto the instance's device.
 *   <li><b>DJL parameters</b> (DJL's saved-model format, starting with {@code DJL@}, as {@code
 *       Model.save} writes it): the configuration parameter {@value #BLOCK_FACTORY} names a {@link
 *       BlockFactory}; its block gets the file's parameters.
 * </ul>
 *
 * <p>Stateless.
 */
final class ModelFiles {
  static final String MODEL_FILE = "model.pt";
  static final String BLOCK_FACTORY = "hadron.djl.block_factory";

  /** Header of DJL's saved-model format, and the one version of it DJL 0.36 reads. */
  private static final byte[] DJL_MAGIC = "DJL@".getBytes(StandardCharsets.US_ASCII);
  private static final int DJL_FORMAT_VERSION = 1;
  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

  enum Format {
    TORCHSCRIPT,
    DJL_PARAMETERS
  }

  private ModelFiles() {}

  /** The file to open; as in Triton, {@code model.pt} may be a directory holding the real one. */
  static Path resolve(String model, Path modelFile) {
    Path file = Files.isDirectory(modelFile) ? modelFile.resolve(MODEL_FILE) : modelFile;
    if (!Files.isRegularFile(file)) {
      throw new HadronException.InvalidArgument(
          "model '" + model + "': model file " + file + " does not exist or is not a regular file");
    }
    return file;
  }

  /**
   * The file's format, checked against the configuration.
   *
   * @throws HadronException.InvalidArgument when the file is neither format or does not match the
   *     presence of {@value #BLOCK_FACTORY}
   */
  static Format format(ModelConfig config, Path file) {
    String model = config.name();
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new HadronException.InvalidArgument("model '" + model + "': cannot read " + file + ": " + e, e);
    }
    boolean factory = config.parameter(BLOCK_FACTORY).isPresent();
    if (n == 4 && Arrays.equals(head, ZIP_MAGIC)) {
      if (factory) {
        throw new HadronException.InvalidArgument("model '" + model + "': " + file + " is a TorchScript "
            + "archive, but parameter '" + BLOCK_FACTORY + "' asks for a DJL parameter file; remove the "
            + "parameter or replace the file");
      }
      return Format.TORCHSCRIPT;
    }
    if (n == 4 && Arrays.equals(head, DJL_MAGIC)) {
      if (!factory) {
        throw new HadronException.InvalidArgument("model '" + model + "': " + file + " holds DJL "
            + "parameters, which need the network built in Java: set parameter '" + BLOCK_FACTORY
            + "' to a class implementing " + BlockFactory.class.getName());
      }
      return Format.DJL_PARAMETERS;
    }
    throw new HadronException.InvalidArgument("model '" + model + "': " + file + " is neither a "
        + "TorchScript archive (torch.jit.save) nor a DJL parameter file (Model.save)");
  }

  /**
   * The factory the configuration names.
   *
   * @throws HadronException.InvalidArgument naming the parameter and the class
   */
  static BlockFactory factory(ModelConfig config) {
    String name = config.parameter(BLOCK_FACTORY).orElseThrow().trim();
    String prefix = "model '" + config.name() + "': parameter '" + BLOCK_FACTORY + "' is '" + name + "'";
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      Class<?> c = Class.forName(name, true, loader != null ? loader : ModelFiles.class.getClassLoader());
      if (!BlockFactory.class.isAssignableFrom(c)) {
        throw new HadronException.InvalidArgument(prefix + ", which does not implement " + BlockFactory.class.getName());
      }
      return (BlockFactory) c.getConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new HadronException.InvalidArgument(prefix + ", which is not on the class path", e);
    } catch (NoSuchMethodException e) {
      throw new HadronException.InvalidArgument(prefix + ", which has no public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new HadronException.InvalidArgument(prefix + ", whose constructor failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new HadronException.InvalidArgument(prefix + ", which cannot be instantiated: " + e, e);
    }
  }

  /** Opens a TorchScript archive on the model's device; the caller closes the model. */
  static void loadTorchScript(Model model, Path file) throws IOException, MalformedModelException {
    // mapLocation: tensors saved on another device (a GPU at export time) land on this model's.
    model.load(file, null, Map.of("mapLocation", "true"));
  }

  /**
   * Reads a DJL saved-model file into a fresh block of {@code factory}. The header is read here
   * (the format of {@code BaseModel.save}: magic, version, name, datatype, input descriptions,
   * properties) because DJL finds such files only by its own naming scheme, not by path.
   */
  static void loadParameters(Model model, Path file, BlockFactory factory, ModelConfig config)
      throws IOException, MalformedModelException {
    Block block = factory.newBlock(config);
    if (block == null) {
      throw new HadronException.InvalidArgument("model '" + config.name() + "': the block factory "
          + factory.getClass().getName() + " returned no block");
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      byte[] magic = new byte[DJL_MAGIC.length];
      in.readFully(magic);
      int version = in.readInt();
      if (!Arrays.equals(magic, DJL_MAGIC) || version != DJL_FORMAT_VERSION) {
        throw new MalformedModelException("unsupported DJL parameter file version " + version);
      }
      in.readUTF(); // the name the model was saved under
      model.setDataType(ai.djl.ndarray.types.DataType.valueOf(in.readUTF()));
      int inputs = in.readInt();
      for (int i = 0; i < inputs; i++) {
        in.readUTF();
        Shape.decode(in);
      }
      int properties = in.readInt();
      for (int i = 0; i < properties; i++) {
        model.setProperty(in.readUTF(), in.readUTF());
      }
      block.loadParameters(model.getNDManager(), in);
    } catch (IllegalArgumentException e) {
      throw new MalformedModelException("not a DJL parameter file: " + e.getMessage(), e);
    }
    model.setBlock(block);
  }
}
