package io.hadron.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.hadron.core.DataType;
import io.hadron.core.InferenceResponse;
import io.hadron.core.Tensor;
import io.hadron.core.config.ModelConfig;
import io.hadron.server.repository.ModelRepository;
import io.hadron.core.config.TensorConfig;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Writes the JSON documents of the KServe v2 HTTP protocol: inference responses, model and server
 * metadata, errors.
 *
 * <p>Stateless and thread-safe.
 */
final class JsonWriter {
  private JsonWriter() {}

  @FunctionalInterface
  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static Buffer json(int sizeHint, Body body) {
    return Buffer.buffer(bytes(sizeHint, body));
  }

  private static byte[] bytes(int sizeHint, Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
    try (JsonGenerator g = InferRequestJson.FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Buffer error(String message) {
    return json(64 + message.length(), g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }

  /** Triton's repository index: an array of models, with version, state and reason where known. */
  static Buffer repositoryIndex(List<ModelRepository.IndexEntry> entries) {
    return json(64 + 96 * entries.size(), g -> {
      g.writeStartArray();
      for (ModelRepository.IndexEntry e : entries) {
        g.writeStartObject();
        g.writeStringField("name", e.name());
        if (!e.version().isEmpty()) {
          g.writeStringField("version", e.version());
        }
        g.writeStringField("state", e.state());
        if (!e.reason().isEmpty()) {
          g.writeStringField("reason", e.reason());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  static Buffer inferResponse(InferenceResponse r) {
    return Buffer.buffer(inferResponse(r, t -> false));
  }

  /**
   * The JSON of an inference response in which the outputs {@code binary} selects carry
   * {@code binary_data_size} instead of {@code data} (their bytes follow the JSON, in output order).
   */
  static byte[] inferResponse(InferenceResponse r, Predicate<Tensor> binary) {
    long hint = 128;
    for (Tensor t : r.outputs()) {
      hint += 64 + (binary.test(t) ? 0 : t.elementCount() * 12);
    }
    return bytes((int) Math.min(hint, 1 << 26), g -> {
      g.writeStartObject();
      g.writeStringField("model_name", r.modelName());
      g.writeStringField("model_version", r.modelVersion());
      if (r.id() != null) {
        g.writeStringField("id", r.id());
      }
      if (!r.parameters().isEmpty()) {
        g.writeFieldName("parameters");
        parameters(g, r.parameters());
      }
      g.writeArrayFieldStart("outputs");
      for (Tensor t : r.outputs()) {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("datatype", t.datatype().wireName());
        g.writeFieldName("shape");
        longs(g, t.shape());
        if (binary.test(t)) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", t.byteSize());
          g.writeEndObject();
        } else {
          g.writeFieldName("data");
          data(g, t);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * @param parameters extra facts about the served version (the optimizer's variant), written as
   *     a {@code parameters} object when not empty; clients that do not know it ignore it
   */
  static Buffer modelMetadata(String name, List<String> versions, ModelConfig config, Map<String, Object> parameters) {
    return json(512, g -> {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeArrayFieldStart("versions");
      for (String v : versions) {
        g.writeString(v);
      }
      g.writeEndArray();
      g.writeStringField("platform", config.platform());
      tensorMetadata(g, "inputs", config.inputs(), config.batched());
      tensorMetadata(g, "outputs", config.outputs(), config.batched());
      if (!parameters.isEmpty()) {
        g.writeFieldName("parameters");
        parameters(g, parameters);
      }
      g.writeEndObject();
    });
  }

  static Buffer serverMetadata(String name, String version, List<String> extensions) {
    return json(256, g -> {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeStringField("version", version);
      g.writeArrayFieldStart("extensions");
      for (String e : extensions) {
        g.writeString(e);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void tensorMetadata(JsonGenerator g, String field, List<TensorConfig> tensors, boolean batched)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (TensorConfig t : tensors) {
      g.writeStartObject();
      g.writeStringField("name", t.name());
      g.writeStringField("datatype", t.datatype().wireName());
      g.writeFieldName("shape");
      longs(g, t.shapeWithBatch(batched));
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void parameters(JsonGenerator g, Map<String, Object> params) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      g.writeFieldName(e.getKey());
      switch (e.getValue()) {
        case Long l -> g.writeNumber(l);
        case Double d -> g.writeNumber(d);
        case Boolean b -> g.writeBoolean(b);
        default -> g.writeString(String.valueOf(e.getValue()));
      }
    }
    g.writeEndObject();
  }

  private static void longs(JsonGenerator g, long[] values) throws IOException {
    g.writeStartArray();
    for (long v : values) {
      g.writeNumber(v);
    }
    g.writeEndArray();
  }

  /** Writes a tensor's data as a flat JSON array, as Triton does. */
  private static void data(JsonGenerator g, Tensor t) throws IOException {
    ByteBuffer b = t.data();
    DataType type = t.datatype();
    g.writeStartArray();
    if (type == DataType.BYTES) {
      for (byte[] e : t.bytesElements()) {
        g.writeString(new String(e, StandardCharsets.UTF_8));
      }
    } else {
      int n = (int) t.elementCount();
      for (int i = 0; i < n; i++) {
        switch (type) {
          case BOOL -> g.writeBoolean(b.get() != 0);
          case INT8 -> g.writeNumber(b.get());
          case UINT8 -> g.writeNumber(Byte.toUnsignedInt(b.get()));
          case INT16 -> g.writeNumber(b.getShort());
          case UINT16 -> g.writeNumber(Short.toUnsignedInt(b.getShort()));
          case INT32 -> g.writeNumber(b.getInt());
          case UINT32 -> g.writeNumber(Integer.toUnsignedLong(b.getInt()));
          case INT64 -> g.writeNumber(b.getLong());
          case UINT64 -> {
            long v = b.getLong();
            if (v >= 0) {
              g.writeNumber(v);
            } else {
              g.writeNumber(Long.toUnsignedString(v));
            }
          }
          case FP16 -> g.writeNumber(Float.float16ToFloat(b.getShort()));
          case BF16 -> g.writeNumber(Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16));
          case FP32 -> g.writeNumber(b.getFloat());
          case FP64 -> g.writeNumber(b.getDouble());
          case BYTES -> throw new IllegalStateException("unreachable");
        }
      }
    }
    g.writeEndArray();
  }
}
