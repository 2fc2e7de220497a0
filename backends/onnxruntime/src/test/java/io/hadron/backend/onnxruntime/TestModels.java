package io.hadron.backend.onnxruntime;

import io.hadron.core.DataType;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.quantization.onnx.SimpleModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Model files for tests: the shared simple models, the MiniLM model from the class path, and a few
 * odd graphs written here with a minimal ONNX protobuf encoder (odd on purpose: outputs whose
 * metadata lies, a sequence output, a fixed batch dimension).
 */
final class TestModels {
  private TestModels() {}

  static Path write(Path dir, String name, byte[] model) {
    try {
      return Files.write(dir.resolve(name + ".onnx"), model);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path simple(Path dir) {
    return write(dir, "simple", SimpleModels.tritonSimple());
  }

  static Path identity(Path dir, DataType type) {
    return write(dir, "identity_" + type, SimpleModels.identity(type));
  }

  static Path miniLm(Path dir) {
    try (InputStream in = TestModels.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-q.onnx")) {
      if (in == null) {
        throw new IllegalStateException("all-minilm-l6-v2-q.onnx is not on the test class path");
      }
      Path file = dir.resolve("minilm.onnx");
      Files.copy(in, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ModelConfig.Builder config(String name) {
    return ModelConfig.builder(name);
  }

  /** A little-endian direct-buffer tensor of INT32 values. */
  static Tensor int32(String name, long[] shape, int... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return new Tensor(name, DataType.INT32, shape, b.flip());
  }

  /** A little-endian direct-buffer tensor of INT64 values. */
  static Tensor int64(String name, long[] shape, long... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return new Tensor(name, DataType.INT64, shape, b.flip());
  }

  /** {@code INPUT [batch, n] INT32 -> Cast -> OUTPUT [batch, n] UINT32}. */
  static byte[] castToUint32() {
    Pb to = new Pb().s(1, "to").i(3, ELEM_UINT32).i(20, ATTR_INT);
    Pb node = new Pb().s(1, "INPUT").s(2, "OUTPUT").s(4, "Cast").m(5, to);
    return model(new Pb().m(1, node).s(2, "cast")
        .m(11, tensor("INPUT", ELEM_INT32, "batch", "n"))
        .m(12, tensor("OUTPUT", ELEM_UINT32, "batch", "n")));
  }

  /**
   * {@code INPUT [batch, n] FP32 -> Transpose -> OUTPUT}, with the output declared as {@code [batch,
   * n]} although it is {@code [n, batch]}: metadata that misleads shape prediction.
   */
  static byte[] misdeclaredTranspose() {
    Pb node = new Pb().s(1, "INPUT").s(2, "OUTPUT").s(4, "Transpose");
    return model(new Pb().m(1, node).s(2, "transpose")
        .m(11, tensor("INPUT", ELEM_FLOAT, "batch", "n"))
        .m(12, tensor("OUTPUT", ELEM_FLOAT, "batch", "n")));
  }

  /** {@code X [batch, n] FP32}; outputs {@code Y = Identity(X)} and {@code SEQ = [X]} (a sequence). */
  static byte[] withSequenceOutput() {
    Pb identity = new Pb().s(1, "X").s(2, "Y").s(4, "Identity");
    Pb sequence = new Pb().s(1, "X").s(2, "SEQ").s(4, "SequenceConstruct");
    Pb seqType = new Pb().m(4, new Pb().m(1, new Pb().m(1, new Pb().i(1, ELEM_FLOAT))));
    return model(new Pb().m(1, identity).m(1, sequence).s(2, "sequence")
        .m(11, tensor("X", ELEM_FLOAT, "batch", "n"))
        .m(12, tensor("Y", ELEM_FLOAT, "batch", "n"))
        .m(12, new Pb().s(1, "SEQ").m(2, seqType)));
  }

  /** {@code INPUT [2, 3] FP32 -> Identity -> OUTPUT [2, 3]}: no dimension can carry a batch. */
  static byte[] fixedShapeIdentity() {
    Pb node = new Pb().s(1, "INPUT").s(2, "OUTPUT").s(4, "Identity");
    return model(new Pb().m(1, node).s(2, "fixed")
        .m(11, tensor("INPUT", ELEM_FLOAT, 2, 3))
        .m(12, tensor("OUTPUT", ELEM_FLOAT, 2, 3)));
  }

  private static final int ELEM_FLOAT = 1;
  private static final int ELEM_INT32 = 6;
  private static final int ELEM_UINT32 = 12;
  private static final int ATTR_INT = 2;

  private static byte[] model(Pb graph) {
    Pb opset = new Pb().s(1, "").i(2, 13);
    return new Pb().i(1, 8).s(2, "hadron-test").m(7, graph).m(8, opset).bytes();
  }

  private static Pb tensor(String name, int elem, Object... dims) {
    Pb shape = new Pb();
    for (Object d : dims) {
      shape.m(1, d instanceof String s ? new Pb().s(2, s) : new Pb().i(1, ((Number) d).longValue()));
    }
    Pb tensorType = new Pb().i(1, elem).m(2, shape);
    return new Pb().s(1, name).m(2, new Pb().m(1, tensorType));
  }

  /** Just enough of the protobuf wire format for ONNX's ModelProto: varints and nested messages. */
  private static final class Pb {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    Pb i(int field, long value) {
      varint((long) field << 3);
      varint(value);
      return this;
    }

    Pb s(int field, String value) {
      return raw(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Pb m(int field, Pb message) {
      return raw(field, message.bytes());
    }

    private Pb raw(int field, byte[] value) {
      varint(((long) field << 3) | 2);
      varint(value.length);
      out.writeBytes(value);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  static List<String> names(List<Tensor> tensors) {
    return tensors.stream().map(Tensor::name).toList();
  }
}
