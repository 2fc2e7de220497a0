package io.hadron.loadtests.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One ready-to-send KServe v2 inference request over HTTP, JSON or with the binary tensor
 * extension, and the smallest answer that can be a complete one.
 *
 * <p>Immutable: the body is copied in and out; {@link #requestBytes} serializes once for a client
 * that sends the same bytes many times.
 *
 * @param protocol {@code json} or {@code binary}
 * @param path the request path
 * @param body the request body
 * @param headerLength the {@code Inference-Header-Content-Length} value, or -1 for plain JSON
 * @param minResponseBytes a 200 answer shorter than this is treated as a failure
 */
public record Payload(Protocol protocol, String path, byte[] body, int headerLength, long minResponseBytes) {
  /** How tensors travel. */
  public enum Protocol {
    /** KServe v2 JSON, tensor data as JSON arrays, both ways. */
    JSON,
    /** The binary tensor extension, both ways: a JSON header followed by raw little-endian data. */
    BINARY;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  public Payload {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(path, "path");
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The request as JSON with flat {@code data} arrays. */
  public static Payload json(Workload w) {
    StringBuilder sb = new StringBuilder("{\"inputs\":[");
    for (int i = 0; i < w.inputs().size(); i++) {
      SampleTensor t = w.inputs().get(i);
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"")
          .append(t.type()).append("\",\"shape\":").append(shape(t)).append(",\"data\":[");
      for (int j = 0; j < t.elementCount(); j++) {
        sb.append(j > 0 ? "," : "").append(t.element(j));
      }
      sb.append("]}");
    }
    sb.append("],\"outputs\":[");
    for (int i = 0; i < w.outputs().size(); i++) {
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(w.outputs().get(i)).append("\"}");
    }
    sb.append("]}");
    // Each JSON number takes at least one digit and one separator.
    return new Payload(Protocol.JSON, w.inferPath(), sb.toString().getBytes(StandardCharsets.UTF_8), -1,
        2 * w.outputElements());
  }

  /** The request with binary inputs, asking for binary outputs. */
  public static Payload binary(Workload w) {
    StringBuilder sb = new StringBuilder("{\"inputs\":[");
    int dataBytes = 0;
    for (int i = 0; i < w.inputs().size(); i++) {
      SampleTensor t = w.inputs().get(i);
      int size = t.elementCount() * t.type().bytes;
      dataBytes += size;
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"")
          .append(t.type()).append("\",\"shape\":").append(shape(t))
          .append(",\"parameters\":{\"binary_data_size\":").append(size).append("}}");
    }
    sb.append("],\"outputs\":[");
    for (int i = 0; i < w.outputs().size(); i++) {
      sb.append(i > 0 ? "," : "").append("{\"name\":\"").append(w.outputs().get(i))
          .append("\",\"parameters\":{\"binary_data\":true}}");
    }
    byte[] header = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOf(header, header.length + dataBytes);
    int at = header.length;
    for (SampleTensor t : w.inputs()) {
      byte[] d = t.data();
      System.arraycopy(d, 0, body, at, d.length);
      at += d.length;
    }
    return new Payload(Protocol.BINARY, w.inferPath(), body, header.length,
        w.outputElements() * w.outputElementBytes());
  }

  /** The payload for {@code protocol}. */
  public static Payload of(Workload w, Protocol protocol) {
    return protocol == Protocol.JSON ? json(w) : binary(w);
  }

  /** Content type of the body. */
  public String contentType() {
    return protocol == Protocol.JSON ? "application/json" : "application/octet-stream";
  }

  /** The whole HTTP/1.1 request (head and body) for {@code host}, keep-alive. */
  public byte[] requestBytes(String host) {
    StringBuilder head = new StringBuilder()
        .append("POST ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(host).append("\r\n")
        .append("Content-Type: ").append(contentType()).append("\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    if (headerLength >= 0) {
      head.append(HEADER_LENGTH).append(": ").append(headerLength).append("\r\n");
    }
    byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  private static String shape(SampleTensor t) {
    StringBuilder sb = new StringBuilder("[1");
    for (long d : t.dims()) {
      sb.append(',').append(d);
    }
    return sb.append(']').toString();
  }
}
