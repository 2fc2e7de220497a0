package io.hadron.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.RequestedOutput;
import io.hadron.core.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a KServe v2 JSON inference request body in one streaming pass: each input's data goes
 * straight from the parser into its tensor buffer.
 *
 * <p>Stateless and thread-safe (Jackson's factory is thread-safe; each call owns its parser).
 */
final class InferRequestJson {
  static final JsonFactory FACTORY = JsonFactory.builder()
      // Bodies are bounded by the server's request limit already; lift Jackson's own default
      // string cap so a large BYTES element is judged by that limit alone.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build();

  private InferRequestJson() {}

  static InferenceRequest decode(byte[] body, String model, String version) {
    return decode(body, body.length, model, version, null);
  }

  /**
   * Decodes the JSON request in {@code json[0, length)}.
   *
   * @param binary the binary part of the body when the request uses the binary tensor data
   *     extension (the header length was given), or null for a plain JSON request
   */
  static InferenceRequest decode(byte[] json, int length, String model, String version, BinarySection binary) {
    if (length == 0) {
      throw new HadronException.InvalidArgument("request body is empty; expected a JSON inference request");
    }
    try (JsonParser p = FACTORY.createParser(json, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new HadronException.InvalidArgument("inference request must be a JSON object");
      }
      // Each element of 'data' takes at least two bytes ("1,"), which bounds any honest shape.
      long maxElements = length / 2 + 1;
      String id = null;
      Map<String, Object> params = Map.of();
      List<Tensor> inputs = null;
      List<RequestedOutput> outputs = List.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "id" -> {
            if (value != JsonToken.VALUE_STRING) {
              throw new HadronException.InvalidArgument("'id' must be a string, got " + TensorJsonReader.describe(value));
            }
            id = p.getText();
          }
          case "parameters" -> {
            params = parameters(p, "request");
            Parameters.checkBoolean(params, "binary_data_output", "request");
          }
          case "inputs" -> inputs = inputs(p, maxElements, binary);
          case "outputs" -> outputs = outputs(p);
          // Triton's own examples repeat the model in the body; the path decides, so they must agree.
          case "model_name" -> sameAsPath(p, value, "model_name", model);
          case "model_version" -> {
            if (version != null) {
              sameAsPath(p, value, "model_version", version);
            } else if (value != JsonToken.VALUE_STRING) {
              throw new HadronException.InvalidArgument("'model_version' must be a string");
            }
          }
          default -> throw new HadronException.InvalidArgument("unknown field '" + field + "' in inference request");
        }
      }
      if (p.nextToken() != null) {
        throw new HadronException.InvalidArgument("unexpected content after the inference request object");
      }
      if (inputs == null) {
        throw new HadronException.InvalidArgument("inference request has no 'inputs'");
      }
      if (binary != null) {
        binary.finish();
      }
      return new InferenceRequest(model, version, id, inputs, outputs, params);
    } catch (JsonProcessingException e) {
      throw new HadronException.InvalidArgument("malformed JSON: " + e.getOriginalMessage()
          + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
    } catch (IOException e) {
      throw new HadronException.InvalidArgument("unreadable request body: " + e.getMessage(), e);
    }
  }

  private static void sameAsPath(JsonParser p, JsonToken value, String field, String fromPath) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw new HadronException.InvalidArgument("'" + field + "' must be a string");
    }
    if (!p.getText().equals(fromPath)) {
      throw new HadronException.InvalidArgument("'" + field + "' is '" + p.getText() + "' but the URL addresses '"
          + fromPath + "'");
    }
  }

  private static List<Tensor> inputs(JsonParser p, long maxElements, BinarySection binary) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new HadronException.InvalidArgument("'inputs' must be an array, got " + TensorJsonReader.describe(p.currentToken()));
    }
    List<Tensor> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new HadronException.InvalidArgument("input " + out.size() + " must be an object, got " + TensorJsonReader.describe(t));
      }
      out.add(input(p, out.size(), maxElements, binary));
    }
    return out;
  }

  private static Tensor input(JsonParser p, int index, long maxElements, BinarySection binary) throws IOException {
    String name = null;
    Long binarySize = null;
    DataType type = null;
    long[] shape = null;
    Tensor tensor = null;
    List<TensorJsonReader.Raw> raw = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      String label = name == null ? "input " + index : "input '" + name + "'";
      switch (field) {
        case "name" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new HadronException.InvalidArgument(label + ": 'name' must be a string");
          }
          name = p.getText();
        }
        case "datatype" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new HadronException.InvalidArgument(label + ": 'datatype' must be a string");
          }
          try {
            type = DataType.fromWireName(p.getText());
          } catch (HadronException e) {
            throw new HadronException.InvalidArgument(label + ": " + e.getMessage());
          }
        }
        case "shape" -> shape = shape(p, label);
        case "parameters" -> {
          Map<String, Object> params = parameters(p, label);
          Parameters.refuseSharedMemory(params, label);
          binarySize = Parameters.binaryDataSize(params, label);
        }
        case "data" -> {
          String n = name == null ? "input " + index : name;
          if (type != null && shape != null) {
            tensor = TensorJsonReader.read(p, n, type, shape, maxElements);
          } else {
            raw = TensorJsonReader.readRaw(p, n);
          }
        }
        default -> throw new HadronException.InvalidArgument(label + ": unknown field '" + field + "'");
      }
    }
    if (name == null) {
      throw new HadronException.InvalidArgument("input " + index + " has no 'name'");
    }
    if (type == null) {
      throw new HadronException.InvalidArgument("input '" + name + "' has no 'datatype'");
    }
    if (shape == null) {
      throw new HadronException.InvalidArgument("input '" + name + "' has no 'shape'");
    }
    if (binarySize != null) {
      if (tensor != null || raw != null) {
        throw new HadronException.InvalidArgument("input '" + name + "' has both 'data' and binary_data_size;"
            + " give one or the other");
      }
      if (binary == null) {
        throw new HadronException.InvalidArgument("input '" + name + "' declares binary_data_size, but the request"
            + " has no Inference-Header-Content-Length header to say where its binary data starts");
      }
      // Inputs are read in request order, which is the order of their binary chunks.
      return binary.take(name, type, shape, binarySize);
    }
    if (tensor == null && raw == null) {
      throw new HadronException.InvalidArgument("input '" + name + "' has no 'data'");
    }
    if (tensor == null) {
      tensor = TensorJsonReader.convert(raw, name, type, shape, maxElements);
    } else if (!tensor.name().equals(name)) {
      tensor = tensor.withName(name);
    }
    return tensor;
  }

  private static long[] shape(JsonParser p, String label) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new HadronException.InvalidArgument(label + ": 'shape' must be an array of integers");
    }
    long[] dims = new long[8];
    int n = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new HadronException.InvalidArgument(label + ": shape dimension " + n + " must be a non-negative integer, got "
            + (t == JsonToken.VALUE_NUMBER_FLOAT ? p.getText() : TensorJsonReader.describe(t)));
      }
      long d = p.getLongValue();
      if (d < 0) {
        throw new HadronException.InvalidArgument(label + ": shape dimension " + n + " is negative (" + d + ")");
      }
      if (n == dims.length) {
        dims = java.util.Arrays.copyOf(dims, n * 2);
      }
      dims[n++] = d;
    }
    return java.util.Arrays.copyOf(dims, n);
  }

  private static List<RequestedOutput> outputs(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new HadronException.InvalidArgument("'outputs' must be an array, got " + TensorJsonReader.describe(p.currentToken()));
    }
    List<RequestedOutput> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new HadronException.InvalidArgument("requested output " + out.size() + " must be an object");
      }
      String name = null;
      Map<String, Object> params = Map.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "name" -> {
            if (v != JsonToken.VALUE_STRING) {
              throw new HadronException.InvalidArgument("requested output " + out.size() + ": 'name' must be a string");
            }
            name = p.getText();
          }
          case "parameters" -> {
            String label = name == null ? "requested output " + out.size() : "requested output '" + name + "'";
            params = parameters(p, label);
            Parameters.checkBoolean(params, "binary_data", label);
            Parameters.refuseClassification(params, label);
            Parameters.refuseSharedMemory(params, label);
          }
          default -> throw new HadronException.InvalidArgument(
              "requested output " + out.size() + ": unknown field '" + field + "'");
        }
      }
      if (name == null) {
        throw new HadronException.InvalidArgument("requested output " + out.size() + " has no 'name'");
      }
      out.add(new RequestedOutput(name, params));
    }
    return out;
  }

  /** A KServe parameters object: string, integer, floating-point or boolean values. */
  static Map<String, Object> parameters(JsonParser p, String label) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new HadronException.InvalidArgument(label + ": 'parameters' must be an object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      Object value = switch (v) {
        case VALUE_STRING -> p.getText();
        case VALUE_NUMBER_INT -> {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new HadronException.InvalidArgument(label + ": parameter '" + key + "' is out of range");
          }
          yield p.getLongValue();
        }
        case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
        case VALUE_TRUE -> Boolean.TRUE;
        case VALUE_FALSE -> Boolean.FALSE;
        default -> throw new HadronException.InvalidArgument(label + ": parameter '" + key
            + "' must be a string, number or boolean, got " + TensorJsonReader.describe(v));
      };
      out.put(key, value);
    }
    return out;
  }
}
