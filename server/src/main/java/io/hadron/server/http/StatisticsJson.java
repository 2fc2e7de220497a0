package io.hadron.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.hadron.server.metrics.ModelStatistics;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Triton's statistics extension as JSON: {@code {"model_stats": [...]}} with every field Triton's
 * clients read. Cache and per-response figures are zero and memory usage empty, since Hadron has no
 * response cache or decoupled models and reports device memory as metrics.
 *
 * <p>Stateless and thread-safe.
 */
final class StatisticsJson {
  private StatisticsJson() {}

  static Buffer write(List<ModelStatistics> all) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + all.size() * 768);
    try (JsonGenerator g = InferRequestJson.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("model_stats");
      for (ModelStatistics s : all) {
        model(g, s);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static void model(JsonGenerator g, ModelStatistics s) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", s.name());
    g.writeStringField("version", s.version());
    g.writeNumberField("last_inference", s.lastInferenceMillis());
    g.writeNumberField("inference_count", s.inferenceCount());
    g.writeNumberField("execution_count", s.executionCount());
    g.writeObjectFieldStart("inference_stats");
    duration(g, "success", s.success());
    duration(g, "fail", s.fail());
    duration(g, "queue", s.queue());
    duration(g, "compute_input", s.computeInput());
    duration(g, "compute_infer", s.computeInfer());
    duration(g, "compute_output", s.computeOutput());
    duration(g, "cache_hit", ModelStatistics.Duration.ZERO);
    duration(g, "cache_miss", ModelStatistics.Duration.ZERO);
    g.writeEndObject();
    g.writeObjectFieldStart("response_stats");
    g.writeEndObject();
    g.writeArrayFieldStart("batch_stats");
    for (ModelStatistics.Batch b : s.batches()) {
      g.writeStartObject();
      g.writeNumberField("batch_size", b.batchSize());
      duration(g, "compute_input", b.computeInput());
      duration(g, "compute_infer", b.computeInfer());
      duration(g, "compute_output", b.computeOutput());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("memory_usage");
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void duration(JsonGenerator g, String field, ModelStatistics.Duration d) throws IOException {
    g.writeObjectFieldStart(field);
    g.writeNumberField("count", d.count());
    g.writeNumberField("ns", d.ns());
    g.writeEndObject();
  }
}
