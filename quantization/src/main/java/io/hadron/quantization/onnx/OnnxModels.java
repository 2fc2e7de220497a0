package io.hadron.quantization.onnx;

import com.google.protobuf.CodedInputStream;
import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.ModelProto;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes ONNX model files.
 *
 * <p>Reading accepts what protobuf accepts and then checks the two fields every ONNX model must
 * have ({@code ir_version} and {@code graph}): protobuf's wire format is so permissive that many
 * non-model byte strings parse "successfully" into a message made of unknown fields, and without
 * this check a wrong file would fail much later and far less clearly inside an engine.
 *
 * <p>Fields unknown to our schema are kept and written back, so read-then-write is lossless.
 *
 * <p>Models past protobuf's 2 GiB limit keep weights in external data files; {@link
 * #readWithExternalData} pulls those bytes into the message and {@link #writeWithExternalData}
 * moves large tensors back out (see {@link ExternalData} for the file rules).
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxModels {
  /**
   * Protobuf messages cannot exceed 2 GiB; larger ONNX models keep their weights in external data
   * files. Checked up front so the failure names the limit instead of an array-size error.
   */
  private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8L;

  private OnnxModels() {}

  /**
   * Reads a model file. External data files a model may refer to are not read.
   *
   * @throws HadronException.NotFound if the file does not exist
   * @throws HadronException.InvalidArgument naming the file if it is not an ONNX model
   * @throws HadronException.Internal naming the file if it cannot be read
   */
  public static ModelProto read(Path file) {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_MODEL_BYTES) {
        throw new HadronException.InvalidArgument(
            "cannot read ONNX model from file " + file + ": it is " + size + " bytes, over the"
                + " 2 GiB protobuf limit (larger models keep weights in external data files)");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new HadronException.NotFound("ONNX model file " + file + " does not exist");
    } catch (IOException e) {
      throw new HadronException.Internal("cannot read ONNX model file " + file + ": " + e, e);
    }
    // The array is ours and never touched again, so the parsed tensors may share it (aliasing)
    // instead of copying every weight: that halves peak memory when loading a large model.
    return parse(bytes, true, "file " + file);
  }

  /**
   * Reads a model file and the external data files its tensors refer to, so that every tensor
   * holds its bytes in {@code raw_data}. Data files are looked up beside the model and may not lie
   * outside its directory.
   *
   * @throws HadronException.NotFound if the model or a data file does not exist
   * @throws HadronException.InvalidArgument if the model or a data reference is malformed
   */
  public static ModelProto readWithExternalData(Path file) {
    ModelProto model = read(file);
    if (!ExternalData.hasExternal(model)) {
      return model;
    }
    Path dir = file.toAbsolutePath().getParent();
    return ExternalData.internalize(model, dir);
  }

  /** True if any tensor of the model keeps its data in an external file. */
  public static boolean hasExternalData(ModelProto model) {
    return ExternalData.hasExternal(model);
  }

  /** The bytes of tensor data held inside the message: roughly its serialized size. */
  public static long tensorBytes(ModelProto model) {
    return ExternalData.rawBytes(model);
  }

  /**
   * Writes a model with every tensor of at least {@code thresholdBytes} bytes of data moved into
   * one data file beside it, named after the model file with ".data" appended; returns that file.
   * The data file is complete before the model file appears, and each is written through a
   * temporary file and a rename.
   *
   * @throws HadronException.InvalidArgument if a tensor still refers to an external file
   * @throws HadronException.Internal naming the file that cannot be written
   */
  public static Path writeWithExternalData(ModelProto model, Path file, long thresholdBytes) {
    Path absolute = file.toAbsolutePath();
    String location = absolute.getFileName() + ".data";
    Path dataFile = absolute.resolveSibling(location);
    Path tmp = tempBeside(dataFile);
    ModelProto slim;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        slim = ExternalData.externalize(model, location, Math.max(1, thresholdBytes), ch);
      }
      moveOver(tmp, dataFile);
      tmp = null;
    } catch (IOException e) {
      throw new HadronException.Internal("cannot write external data file " + dataFile + ": " + e, e);
    } finally {
      deleteQuietly(tmp);
    }
    write(slim, file);
    return dataFile;
  }

  /**
   * Parses a serialized model. The parsed model does not share {@code bytes}, so the caller may
   * reuse the array.
   *
   * @throws HadronException.InvalidArgument if the bytes are not an ONNX model
   */
  public static ModelProto read(byte[] bytes) {
    return parse(bytes, false, "bytes");
  }

  /** The model serialized as a .onnx file's content. */
  public static byte[] toBytes(ModelProto model) {
    return model.toByteArray();
  }

  /**
   * Writes a model file, replacing any existing one. The bytes go to a temporary file beside the
   * target which is then renamed over it, so a reader (such as a model repository poller) never
   * sees a half-written model.
   *
   * @throws HadronException.Internal naming the file if it cannot be written
   */
  public static void write(ModelProto model, Path file) {
    long tensorBytes = ExternalData.rawBytes(model);
    if (tensorBytes > MAX_MODEL_BYTES) {
      throw new HadronException.InvalidArgument(
          "cannot write ONNX model file " + file + ": its tensors hold " + tensorBytes
              + " bytes, over the 2 GiB protobuf limit; use writeWithExternalData");
    }
    Path absolute = file.toAbsolutePath();
    Path tmp = tempBeside(absolute);
    try {
      Files.write(tmp, model.toByteArray(), StandardOpenOption.CREATE_NEW);
      moveOver(tmp, absolute);
      tmp = null;
    } catch (IOException e) {
      throw new HadronException.Internal("cannot write ONNX model file " + file + ": " + e, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * A temporary file name beside {@code target}. Not Files.createTempFile: that makes the file
   * owner-only, and the rename would carry those permissions over to the model, hiding it from a
   * server running as another user.
   */
  private static Path tempBeside(Path target) {
    String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
    return target.resolveSibling("." + target.getFileName() + "." + suffix + ".tmp");
  }

  private static void moveOver(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path tmp) {
    if (tmp != null) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        // The write already failed and that failure is what the caller needs to see.
      }
    }
  }

  /** Parses {@code bytes}; {@code source} names them in errors ("file model.onnx"). */
  private static ModelProto parse(byte[] bytes, boolean alias, String source) {
    String failure = "cannot read ONNX model from " + source + ": not a valid model file";
    ModelProto model;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(alias);
      model = ModelProto.parseFrom(in);
    } catch (IOException e) {
      // From an in-memory array every failure is malformed input (InvalidProtocolBufferException).
      throw new HadronException.InvalidArgument(failure + " (" + e.getMessage() + ")", e);
    }
    if (!model.hasIrVersion() || model.getIrVersion() <= 0) {
      throw new HadronException.InvalidArgument(
          failure + ": no ir_version in its " + bytes.length + " bytes");
    }
    if (!model.hasGraph()) {
      throw new HadronException.InvalidArgument(failure + ": it has no graph");
    }
    return model;
  }
}
