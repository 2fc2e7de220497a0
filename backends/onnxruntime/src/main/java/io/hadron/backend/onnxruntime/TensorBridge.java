package io.hadron.backend.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves tensor data between Hadron's {@link Tensor} and ONNX Runtime's {@link OnnxTensor}.
 *
 * <p>Fixed-size inputs are not copied: {@code OnnxTensor.createTensor(env, ByteBuffer, shape,
 * type)} hands a direct buffer's address to ONNX Runtime ({@code CreateTensorWithDataAsOrtValue}),
 * read-only views included, since the Java API only asks whether the buffer is direct. A heap
 * buffer is copied here once into a direct one: the Java API would copy it too, and for most
 * element types fails with a ClassCastException on a heap {@code ByteBuffer}. ONNX Runtime reads
 * bytes in native order, which this backend requires to be little-endian (checked at load).
 *
 * <p>BYTES travel as ONNX string tensors, which the Java API builds from {@link String}s and reads
 * back as {@link String}s: each element must be valid UTF-8 (invalid input is rejected rather
 * than altered), and inside the graph strings appear in the JVM's modified UTF-8 (NUL as C0 80,
 * characters outside the BMP as surrogate pairs). Text round-trips exactly either way.
 *
 * <p>Stateless.
 */
final class TensorBridge {
  private TensorBridge() {}

  /** An ONNX Runtime tensor over the data of {@code t}; the caller closes it. */
  static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
    if (t.datatype() == DataType.BYTES) {
      return OnnxTensor.createTensor(env, strings(t), t.shape());
    }
    ByteBuffer data = t.data();
    if (!data.isDirect()) {
      data = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(data).flip();
    }
    return OnnxTensor.createTensor(env, data, t.shape(), OrtTypes.javaType(t.datatype()));
  }

  /**
   * Copies an output that ONNX Runtime allocated into a new tensor on a direct little-endian
   * buffer. The Java API exposes tensor memory only as a heap copy ({@code getByteBuffer}), so this
   * costs two copies; outputs whose shape is known before the run avoid both by being preallocated
   * (see {@link OrtModelInstance}).
   */
  static Tensor fromOrt(String name, DataType datatype, OnnxTensor value) throws OrtException {
    long[] shape = value.getInfo().getShape();
    if (datatype == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>();
      flatten(value.getValue(), elements);
      return new Tensor(name, datatype, shape, Tensor.encodeBytes(elements));
    }
    ByteBuffer heap = value.getByteBuffer();
    ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    direct.put(heap).flip();
    return new Tensor(name, datatype, shape, direct);
  }

  private static String[] strings(Tensor t) {
    List<byte[]> elements = t.bytesElements();
    String[] out = new String[elements.size()];
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int i = 0; i < out.length; i++) {
      try {
        CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(elements.get(i)));
        out[i] = chars.toString();
      } catch (CharacterCodingException e) {
        throw new HadronException.InvalidArgument("tensor '" + t.name() + "': BYTES element " + i
            + " is not valid UTF-8; ONNX Runtime's Java API carries string tensors as text only", e);
      }
    }
    return out;
  }

  /** String outputs come back as nested arrays shaped like the tensor, or a bare string for rank 0. */
  private static void flatten(Object value, List<byte[]> out) {
    if (value instanceof String s) {
      out.add(s.getBytes(StandardCharsets.UTF_8));
    } else if (value instanceof Object[] array) {
      for (Object o : array) {
        flatten(o, out);
      }
    } else {
      throw new IllegalStateException("unexpected string tensor value " + value);
    }
  }
}
