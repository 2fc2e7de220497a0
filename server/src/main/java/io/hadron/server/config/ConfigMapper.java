package io.hadron.server.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.hadron.core.DataType;
import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.config.VersionPolicy;
import io.hadron.server.config.proto.TritonConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a parsed Triton configuration, already confined to the {@link SupportedSubset}, into core's
 * {@link ModelConfig}.
 *
 * <p>Core's records validate their own values; this class checks what they cannot see (unsigned
 * protobuf integers that overflow Java's signed ones, {@code TYPE_INVALID}, unnamed tensors, GPUs
 * on a CPU group) and re-throws core's {@link IllegalArgumentException}s as errors that carry the
 * file, the position and the path to the offending block.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfigMapper {
  private static final Descriptor CONFIG = TritonConfig.ModelConfig.getDescriptor();
  private static final FieldDescriptor INPUT = field(CONFIG, TritonConfig.ModelConfig.INPUT_FIELD_NUMBER);
  private static final FieldDescriptor OUTPUT = field(CONFIG, TritonConfig.ModelConfig.OUTPUT_FIELD_NUMBER);
  private static final FieldDescriptor INSTANCE_GROUP =
      field(CONFIG, TritonConfig.ModelConfig.INSTANCE_GROUP_FIELD_NUMBER);
  private static final FieldDescriptor DYNAMIC_BATCHING =
      field(CONFIG, TritonConfig.ModelConfig.DYNAMIC_BATCHING_FIELD_NUMBER);
  private static final FieldDescriptor VERSION_POLICY =
      field(CONFIG, TritonConfig.ModelConfig.VERSION_POLICY_FIELD_NUMBER);

  private ConfigMapper() {}

  /**
   * @param defaultName the model's name when the file leaves {@code name} empty (the directory's)
   * @throws io.hadron.core.HadronException.InvalidArgument naming the file, position and field
   */
  static ModelConfig toModelConfig(TritonConfig.ModelConfig c, ConfigSite root, String defaultName) {
    ModelConfig.Builder b = ModelConfig.builder(c.getName().isEmpty() ? defaultName : c.getName())
        .platform(c.getPlatform())
        .backend(c.getBackend())
        .maxBatchSize(c.getMaxBatchSize());
    for (int i = 0; i < c.getInputCount(); i++) {
      TritonConfig.ModelInput in = c.getInput(i);
      ConfigSite s = root.element(INPUT, i, c.getInputCount(), in);
      b.addInput(tensor(in, in.getName(), in.getDataType(), in.getDataTypeValue(), in.getDimsList(),
          in.getOptional(), s));
    }
    for (int i = 0; i < c.getOutputCount(); i++) {
      TritonConfig.ModelOutput out = c.getOutput(i);
      ConfigSite s = root.element(OUTPUT, i, c.getOutputCount(), out);
      b.addOutput(tensor(out, out.getName(), out.getDataType(), out.getDataTypeValue(), out.getDimsList(), false, s));
    }
    for (int i = 0; i < c.getInstanceGroupCount(); i++) {
      TritonConfig.ModelInstanceGroup g = c.getInstanceGroup(i);
      b.addInstanceGroup(instanceGroup(g, root.element(INSTANCE_GROUP, i, c.getInstanceGroupCount(), g)));
    }
    if (c.hasDynamicBatching()) {
      b.dynamicBatching(dynamicBatching(c.getDynamicBatching(), c.getMaxBatchSize(), root.in(DYNAMIC_BATCHING)));
    }
    if (c.hasVersionPolicy()) {
      // Placed but not added to the path: core's messages already start with "version_policy".
      b.versionPolicy(versionPolicy(c.getVersionPolicy(), root.at(VERSION_POLICY)));
    }
    c.getParametersMap().forEach((key, value) -> b.parameter(key, value.getStringValue()));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // Checks across the whole model (empty name, duplicate tensor names): no single position.
      throw root.error(e.getMessage(), e);
    }
  }

  private static TensorConfig tensor(
      Message declared, String name, TritonConfig.DataType type, int typeNumber, List<Long> dims,
      boolean optional, ConfigSite s) {
    Descriptor d = declared.getDescriptorForType();
    if (name.isEmpty()) {
      throw s.error("name is missing; every input and output must be named as in the model");
    }
    ConfigSite typeSite = s.at(d.findFieldByName("data_type"));
    DataType datatype = switch (type) {
      case TYPE_INVALID -> throw typeSite.error(
          "data_type is missing or TYPE_INVALID; give the element type, e.g. TYPE_FP32");
      case UNRECOGNIZED -> throw typeSite.error("data_type " + typeNumber + " is not a Triton data type");
      // Triton's enum names are core's config names (TYPE_STRING is core's BYTES).
      default -> DataType.fromConfigName(type.name());
    };
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    try {
      return new TensorConfig(name, datatype, shape, optional);
    } catch (IllegalArgumentException e) {
      throw s.at(d.findFieldByName("dims")).error(e.getMessage(), e);
    }
  }

  private static InstanceGroup instanceGroup(TritonConfig.ModelInstanceGroup g, ConfigSite s) {
    Descriptor d = g.getDescriptorForType();
    InstanceGroup.Kind kind = switch (g.getKind()) {
      case UNRECOGNIZED -> throw s.at(d.findFieldByName("kind")).error(
          "kind " + g.getKindValue() + " is not a Triton instance kind");
      // The enum names are the same on both sides.
      default -> InstanceGroup.Kind.valueOf(g.getKind().name());
    };
    ConfigSite gpusSite = s.at(d.findFieldByName("gpus"));
    if ((kind == InstanceGroup.Kind.KIND_CPU || kind == InstanceGroup.Kind.KIND_MODEL) && g.getGpusCount() > 0) {
      throw gpusSite.error("gpus " + g.getGpusList() + " conflict with kind " + kind
          + "; only KIND_GPU and KIND_AUTO groups name GPUs");
    }
    for (int gpu : g.getGpusList()) {
      if (gpu < 0) {
        throw gpusSite.error("gpus " + g.getGpusList() + " may hold only device ordinals >= 0");
      }
    }
    // Triton's default when count is left out; an explicit count of 0 reaches core and is refused.
    int count = g.hasCount() ? g.getCount() : 1;
    try {
      return new InstanceGroup(g.getName(), count, kind, g.getGpusList());
    } catch (IllegalArgumentException e) {
      throw s.at(d.findFieldByName("count")).error(e.getMessage(), e);
    }
  }

  private static DynamicBatching dynamicBatching(
      TritonConfig.ModelDynamicBatching db, int maxBatchSize, ConfigSite s) {
    Descriptor d = db.getDescriptorForType();
    ConfigSite preferredSite = s.at(d.findFieldByName("preferred_batch_size"));
    // Core checks these too, but only here is the position known.
    if (maxBatchSize == 0 && db.getPreferredBatchSizeCount() > 0) {
      // The sizes could never be used; an error rather than a setting quietly ignored.
      throw preferredSite.error("preferred_batch_size " + db.getPreferredBatchSizeList()
          + " needs a batching model, but max_batch_size is 0");
    }
    for (int p : db.getPreferredBatchSizeList()) {
      if (maxBatchSize > 0 && p > maxBatchSize) {
        throw preferredSite.error("preferred_batch_size " + p + " exceeds max_batch_size " + maxBatchSize);
      }
    }
    long delay = unsignedToLong(db.getMaxQueueDelayMicroseconds(), "max_queue_delay_microseconds",
        s.at(d.findFieldByName("max_queue_delay_microseconds")));
    int levels = unsignedToInt(db.getPriorityLevels(), "priority_levels", s.at(d.findFieldByName("priority_levels")));
    int defaultLevel = unsignedToInt(db.getDefaultPriorityLevel(), "default_priority_level",
        s.at(d.findFieldByName("default_priority_level")));
    QueuePolicy defaultPolicy = db.hasDefaultQueuePolicy()
        ? queuePolicy(db.getDefaultQueuePolicy(), s.in(d.findFieldByName("default_queue_policy")))
        : QueuePolicy.DEFAULT;
    Map<Integer, QueuePolicy> perLevel = priorityQueuePolicies(db, s);
    try {
      return new DynamicBatching(db.getPreferredBatchSizeList(), delay, db.getPreserveOrdering(), levels,
          defaultLevel, defaultPolicy, perLevel);
    } catch (IllegalArgumentException e) {
      throw s.error(e.getMessage(), e);
    }
  }

  private static Map<Integer, QueuePolicy> priorityQueuePolicies(TritonConfig.ModelDynamicBatching db, ConfigSite s) {
    // Walked through reflection rather than getPriorityQueuePolicyMap() so that each entry keeps
    // its index, and with it its position in the file.
    FieldDescriptor field = db.getDescriptorForType().findFieldByName("priority_queue_policy");
    List<?> entries = (List<?>) db.getField(field);
    Map<Integer, QueuePolicy> perLevel = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      Message entry = (Message) entries.get(i);
      ConfigSite entrySite = s.element(field, i, entries.size(), entry);
      Descriptor d = entry.getDescriptorForType();
      FieldDescriptor valueField = d.findFieldByName("value");
      int level = unsignedToInt((Long) entry.getField(d.findFieldByName("key")), "priority level", entrySite);
      TritonConfig.ModelQueuePolicy policy = (TritonConfig.ModelQueuePolicy) entry.getField(valueField);
      perLevel.put(level, queuePolicy(policy, entrySite.at(valueField)));
    }
    return perLevel;
  }

  private static QueuePolicy queuePolicy(TritonConfig.ModelQueuePolicy q, ConfigSite s) {
    Descriptor d = q.getDescriptorForType();
    QueuePolicy.TimeoutAction action = switch (q.getTimeoutAction()) {
      case REJECT -> QueuePolicy.TimeoutAction.REJECT;
      case DELAY -> QueuePolicy.TimeoutAction.DELAY;
      case UNRECOGNIZED -> throw s.at(d.findFieldByName("timeout_action")).error(
          "timeout_action " + q.getTimeoutActionValue() + " is not REJECT or DELAY");
    };
    long timeout = unsignedToLong(q.getDefaultTimeoutMicroseconds(), "default_timeout_microseconds",
        s.at(d.findFieldByName("default_timeout_microseconds")));
    int maxQueueSize = unsignedToInt(Integer.toUnsignedLong(q.getMaxQueueSize()), "max_queue_size",
        s.at(d.findFieldByName("max_queue_size")));
    try {
      return new QueuePolicy(action, timeout, q.getAllowTimeoutOverride(), maxQueueSize);
    } catch (IllegalArgumentException e) {
      throw s.error(e.getMessage(), e);
    }
  }

  private static VersionPolicy versionPolicy(TritonConfig.ModelVersionPolicy v, ConfigSite s) {
    try {
      return switch (v.getPolicyChoiceCase()) {
        case LATEST -> new VersionPolicy.Latest(unsignedToInt(
            Integer.toUnsignedLong(v.getLatest().getNumVersions()), "version_policy latest num_versions", s));
        case ALL -> new VersionPolicy.All();
        case SPECIFIC -> new VersionPolicy.Specific(specificVersions(v.getSpecific().getVersionsList(), s));
        // Triton reads an empty block as "all versions" while an absent one means "latest 1"; the
        // difference is too easy to miss, so an empty block must say what it means.
        case POLICYCHOICE_NOT_SET -> throw s.error(
            "version_policy is empty; write latest { num_versions: N }, all { } or specific { versions: [...] }");
      };
    } catch (IllegalArgumentException e) {
      throw s.error(e.getMessage(), e);
    }
  }

  private static Set<Long> specificVersions(List<Long> versions, ConfigSite s) {
    for (long v : versions) {
      if (v < 0) {
        throw s.error("version_policy specific versions " + versions + " may hold only version numbers >= 0");
      }
    }
    return new HashSet<>(versions);
  }

  /** A protobuf uint64 (carried in a signed long) as a long; values past Long.MAX_VALUE are refused. */
  private static long unsignedToLong(long value, String field, ConfigSite s) {
    if (value < 0) {
      throw s.error(field + " " + Long.toUnsignedString(value) + " is out of range (at most " + Long.MAX_VALUE + ")");
    }
    return value;
  }

  /** A protobuf unsigned integer (carried in a signed long) as an int; larger values are refused. */
  private static int unsignedToInt(long value, String field, ConfigSite s) {
    if (value < 0 || value > Integer.MAX_VALUE) {
      throw s.error(
          field + " " + Long.toUnsignedString(value) + " is out of range (at most " + Integer.MAX_VALUE + ")");
    }
    return (int) value;
  }

  private static FieldDescriptor field(Descriptor message, int number) {
    return message.findFieldByNumber(number);
  }
}
