package io.hadron.loadtests.client;

import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * What one request asks of a model: the served model's name, one sample's inputs, and the outputs
 * wanted with their total element count (to tell a real answer from a truncated one cheaply).
 *
 * <p>Immutable.
 *
 * @param model the name the server serves the model under
 * @param inputs one sample of every input, in the order they are sent
 * @param outputs the outputs asked for
 * @param outputElements elements of all asked outputs together, for one sample
 * @param outputElementBytes bytes per output element
 */
public record Workload(String model, List<SampleTensor> inputs, List<String> outputs, long outputElements,
    int outputElementBytes) {
  /** The name the bundled MiniLM model is served under. */
  public static final String MINILM = "all-MiniLM-L6-v2";
  /** Width of MiniLM's hidden state. */
  public static final int MINILM_HIDDEN = 384;

  public Workload {
    Objects.requireNonNull(model, "model");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    if (inputs.isEmpty() || outputs.isEmpty()) {
      throw new IllegalArgumentException("a workload needs inputs and outputs");
    }
  }

  /**
   * Triton's {@code simple}: INPUT0 = 0..15, INPUT1 = all ones; OUTPUT0 and OUTPUT1 come back.
   */
  public static Workload simple() {
    long[] in0 = new long[16];
    long[] in1 = new long[16];
    for (int i = 0; i < 16; i++) {
      in0[i] = i;
      in1[i] = 1;
    }
    long[] dims = {16};
    return new Workload("simple",
        List.of(SampleTensor.of("INPUT0", SampleTensor.Type.INT32, dims, in0),
            SampleTensor.of("INPUT1", SampleTensor.Type.INT32, dims, in1)),
        List.of("OUTPUT0", "OUTPUT1"), 32, 4);
  }

  /**
   * A MiniLM request of {@code sequence} tokens: {@code [CLS]}, random word-piece ids from a fixed
   * seed, {@code [SEP]}; a full attention mask; one segment. {@code last_hidden_state} comes back.
   *
   * @param model the served name ({@link #MINILM}, its quantized twin, or a copy under another name)
   */
  public static Workload miniLm(String model, int sequence) {
    if (sequence < 2 || sequence > 512) {
      throw new IllegalArgumentException("sequence must be between 2 and 512 (MiniLM's positions), got " + sequence);
    }
    Random random = new Random(42);
    long[] ids = new long[sequence];
    long[] mask = new long[sequence];
    long[] types = new long[sequence];
    for (int i = 0; i < sequence; i++) {
      ids[i] = i == 0 ? 101 : i == sequence - 1 ? 102 : 1000 + random.nextInt(29000);
      mask[i] = 1;
    }
    long[] dims = {sequence};
    return new Workload(model,
        List.of(SampleTensor.of("input_ids", SampleTensor.Type.INT64, dims, ids),
            SampleTensor.of("attention_mask", SampleTensor.Type.INT64, dims, mask),
            SampleTensor.of("token_type_ids", SampleTensor.Type.INT64, dims, types)),
        List.of("last_hidden_state"), (long) sequence * MINILM_HIDDEN, 4);
  }

  /** The same request to a model served under another name. */
  public Workload withModel(String name) {
    return new Workload(name, inputs, outputs, outputElements, outputElementBytes);
  }

  /** The infer path of this workload's model. */
  public String inferPath() {
    return "/v2/models/" + model + "/infer";
  }
}
