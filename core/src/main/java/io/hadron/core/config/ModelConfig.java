package io.hadron.core.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model's configuration: the subset of Triton's {@code ModelConfig} that Hadron supports, after
 * parsing and (where the file left them out) completion from the model's own metadata.
 *
 * <p>Immutable; build with {@link #builder(String)} or {@link #toBuilder()}. The builder validates
 * as a whole at {@link Builder#build()}: a bad or conflicting value is an {@link
 * IllegalArgumentException} naming the field and the value.
 *
 * @param maxBatchSize 0 when the model does not batch; otherwise the largest first dimension
 * @param dynamicBatching present when the configuration has a {@code dynamic_batching} block
 * @param parameters the configuration's {@code parameters} map (string values); Hadron's own
 *     settings use keys {@code hadron.*}
 */
public record ModelConfig(
    String name,
    String platform,
    String backend,
    int maxBatchSize,
    List<TensorConfig> inputs,
    List<TensorConfig> outputs,
    List<InstanceGroup> instanceGroups,
    Optional<DynamicBatching> dynamicBatching,
    VersionPolicy versionPolicy,
    Map<String, String> parameters) {

  public ModelConfig {
    Objects.requireNonNull(name, "name");
    platform = platform == null ? "" : platform;
    backend = backend == null ? "" : backend;
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    instanceGroups = List.copyOf(instanceGroups);
    Objects.requireNonNull(dynamicBatching, "dynamicBatching");
    Objects.requireNonNull(versionPolicy, "versionPolicy");
    parameters = Map.copyOf(parameters);
    validate(name, maxBatchSize, inputs, outputs, dynamicBatching);
  }

  private static void validate(
      String name, int maxBatchSize, List<TensorConfig> inputs, List<TensorConfig> outputs,
      Optional<DynamicBatching> dynamicBatching) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty");
    }
    if (maxBatchSize < 0) {
      throw new IllegalArgumentException("max_batch_size must be >= 0, got " + maxBatchSize);
    }
    unique("input", inputs);
    unique("output", outputs);
    dynamicBatching.ifPresent(db -> {
      if (maxBatchSize == 0 && !db.preferredBatchSizes().isEmpty()) {
        throw new IllegalArgumentException("dynamic_batching preferred_batch_size " + db.preferredBatchSizes()
            + " needs max_batch_size > 0");
      }
      for (int p : db.preferredBatchSizes()) {
        if (p > maxBatchSize) {
          throw new IllegalArgumentException("dynamic_batching preferred_batch_size " + p
              + " exceeds max_batch_size " + maxBatchSize);
        }
      }
    });
  }

  private static void unique(String what, List<TensorConfig> tensors) {
    Set<String> seen = new HashSet<>();
    for (TensorConfig t : tensors) {
      if (!seen.add(t.name())) {
        throw new IllegalArgumentException("duplicate " + what + " name '" + t.name() + "'");
      }
    }
  }

  /** True when requests carry a leading batch dimension. */
  public boolean batched() {
    return maxBatchSize > 0;
  }

  public Optional<TensorConfig> input(String inputName) {
    return inputs.stream().filter(t -> t.name().equals(inputName)).findFirst();
  }

  public Optional<TensorConfig> output(String outputName) {
    return outputs.stream().filter(t -> t.name().equals(outputName)).findFirst();
  }

  public Optional<String> parameter(String key) {
    return Optional.ofNullable(parameters.get(key));
  }

  /** Total instances over all groups (at least 1). */
  public int instanceCount() {
    return Math.max(1, instanceGroups.stream().mapToInt(InstanceGroup::count).sum());
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.platform = platform;
    b.backend = backend;
    b.maxBatchSize = maxBatchSize;
    b.inputs.addAll(inputs);
    b.outputs.addAll(outputs);
    b.instanceGroups.addAll(instanceGroups);
    b.dynamicBatching = dynamicBatching.orElse(null);
    b.versionPolicy = versionPolicy;
    b.parameters.putAll(parameters);
    return b;
  }

  /** Validating builder; not thread-safe. */
  public static final class Builder {
    private String name;
    private String platform = "";
    private String backend = "";
    private int maxBatchSize;
    private final List<TensorConfig> inputs = new ArrayList<>();
    private final List<TensorConfig> outputs = new ArrayList<>();
    private final List<InstanceGroup> instanceGroups = new ArrayList<>();
    private DynamicBatching dynamicBatching;
    private VersionPolicy versionPolicy = VersionPolicy.DEFAULT;
    private final Map<String, String> parameters = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = name;
    }

    public Builder name(String v) {
      this.name = v;
      return this;
    }

    public Builder platform(String v) {
      this.platform = v;
      return this;
    }

    public Builder backend(String v) {
      this.backend = v;
      return this;
    }

    public Builder maxBatchSize(int v) {
      this.maxBatchSize = v;
      return this;
    }

    public Builder inputs(List<TensorConfig> v) {
      inputs.clear();
      inputs.addAll(v);
      return this;
    }

    public Builder addInput(TensorConfig v) {
      inputs.add(v);
      return this;
    }

    public Builder outputs(List<TensorConfig> v) {
      outputs.clear();
      outputs.addAll(v);
      return this;
    }

    public Builder addOutput(TensorConfig v) {
      outputs.add(v);
      return this;
    }

    public Builder instanceGroups(List<InstanceGroup> v) {
      instanceGroups.clear();
      instanceGroups.addAll(v);
      return this;
    }

    public Builder addInstanceGroup(InstanceGroup v) {
      instanceGroups.add(v);
      return this;
    }

    public Builder dynamicBatching(DynamicBatching v) {
      this.dynamicBatching = v;
      return this;
    }

    public Builder versionPolicy(VersionPolicy v) {
      this.versionPolicy = Objects.requireNonNull(v, "versionPolicy");
      return this;
    }

    public Builder parameter(String key, String value) {
      parameters.put(key, value);
      return this;
    }

    public Builder parameters(Map<String, String> v) {
      parameters.clear();
      parameters.putAll(v);
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups,
          Optional.ofNullable(dynamicBatching), versionPolicy, parameters);
    }
  }
}
