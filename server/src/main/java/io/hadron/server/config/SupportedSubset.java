package io.hadron.server.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.hadron.server.config.proto.TritonConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The part of Triton's model configuration that Hadron acts on, and the check that a parsed file
 * stays inside it.
 *
 * <p>The schema declares all of Triton's fields so that real files parse; this class is the one
 * list of those Hadron supports. Any other field that a file sets to something other than its
 * default is an error naming the field and where it was written: a setting Hadron would quietly
 * ignore would make the model behave differently from what its author asked for. A field written
 * with its default value ({@code is_shape_tensor: false}, {@code format: FORMAT_NONE}) changes
 * nothing and passes; a message-typed field fails as soon as it is present, even empty, because its
 * presence alone can change behaviour ({@code sequence_batching {}} turns on the sequence batcher).
 *
 * <p>Immutable (static tables only); thread-safe.
 */
final class SupportedSubset {
  private static final Map<Descriptor, Set<String>> SUPPORTED = supportedFields();

  /** Why a common unsupported field is refused, or what to do instead; keyed by full field name. */
  private static final Map<String, String> HINTS = Map.of(
      "inference.ModelConfig.default_model_filename",
          "the model file must be named model.onnx or model.pt in the version directory",
      "inference.ModelConfig.sequence_batching", "stateful (sequence) models are not supported",
      "inference.ModelConfig.ensemble_scheduling", "ensembles are not supported",
      "inference.ModelInput.reshape", "give dims in the shape the model itself expects",
      "inference.ModelOutput.reshape", "give dims in the shape the model itself produces",
      "inference.ModelOutput.label_filename", "classification labels are not supported");

  private SupportedSubset() {}

  private static Map<Descriptor, Set<String>> supportedFields() {
    Map<Descriptor, Set<String>> m = new HashMap<>();
    supported(m, TritonConfig.ModelConfig.getDescriptor(), "name", "platform", "backend", "version_policy",
        "max_batch_size", "input", "output", "instance_group", "dynamic_batching", "parameters");
    supported(m, TritonConfig.ModelInput.getDescriptor(), "name", "data_type", "dims", "optional");
    supported(m, TritonConfig.ModelOutput.getDescriptor(), "name", "data_type", "dims");
    supported(m, TritonConfig.ModelInstanceGroup.getDescriptor(), "name", "kind", "count", "gpus");
    supported(m, TritonConfig.ModelVersionPolicy.getDescriptor(), "latest", "all", "specific");
    supported(m, TritonConfig.ModelVersionPolicy.Latest.getDescriptor(), "num_versions");
    supported(m, TritonConfig.ModelVersionPolicy.Specific.getDescriptor(), "versions");
    supported(m, TritonConfig.ModelDynamicBatching.getDescriptor(), "preferred_batch_size",
        "max_queue_delay_microseconds", "preserve_ordering", "priority_levels", "default_priority_level",
        "default_queue_policy", "priority_queue_policy");
    supported(m, TritonConfig.ModelQueuePolicy.getDescriptor(), "timeout_action", "default_timeout_microseconds",
        "allow_timeout_override", "max_queue_size");
    supported(m, TritonConfig.ModelParameter.getDescriptor(), "string_value");
    return Map.copyOf(m);
  }

  private static void supported(Map<Descriptor, Set<String>> m, Descriptor message, String... fields) {
    for (String f : fields) {
      // A misspelt name here would turn a supported field into a rejected one; fail at class load.
      if (message.findFieldByName(f) == null) {
        throw new IllegalStateException(message.getFullName() + " has no field '" + f + "'");
      }
    }
    m.put(message, Set.of(fields));
  }

  /** True when Hadron acts on {@code field} (of a message it reads at all). */
  static boolean isSupported(FieldDescriptor field) {
    return SUPPORTED.getOrDefault(field.getContainingType(), Set.of()).contains(field.getName());
  }

  /**
   * Rejects a configuration that sets any field outside the supported subset. The error names the
   * first such field in the file with its position, and lists the others, so one round of edits
   * fixes them all.
   *
   * @throws io.hadron.core.HadronException.InvalidArgument naming the file, position and field
   */
  static void check(TritonConfig.ModelConfig config, ConfigSite root) {
    List<Refusal> refusals = new ArrayList<>();
    collect(config, root, refusals);
    if (refusals.isEmpty()) {
      return;
    }
    refusals.sort((a, b) -> ConfigSite.compareByPosition(a.site, b.site));
    Refusal first = refusals.get(0);
    String problem = first.describe();
    if (refusals.size() > 1) {
      problem += refusals.subList(1, refusals.size()).stream()
          .map(Refusal::shortForm)
          .collect(Collectors.joining(", ", "; also not supported: ", ""));
    }
    throw first.site.error(problem);
  }

  private static void collect(Message message, ConfigSite site, List<Refusal> refusals) {
    Set<String> supported = SUPPORTED.getOrDefault(message.getDescriptorForType(), Set.of());
    // getAllFields lists exactly the fields that are present: non-default scalars, non-empty
    // repeated fields and maps, and message fields that were written at all.
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (!supported.contains(f.getName())) {
        refusals.add(new Refusal(site.at(f), f));
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collectNested(f, e.getValue(), site, refusals);
      }
    }
  }

  private static void collectNested(FieldDescriptor f, Object value, ConfigSite site, List<Refusal> refusals) {
    if (!f.isRepeated()) {
      collect((Message) value, site.in(f), refusals);
      return;
    }
    List<?> elements = (List<?>) value;
    for (int i = 0; i < elements.size(); i++) {
      Message element = (Message) elements.get(i);
      ConfigSite elementSite = site.element(f, i, elements.size(), element);
      if (!f.isMapField()) {
        collect(element, elementSite, refusals);
        continue;
      }
      FieldDescriptor valueField = element.getDescriptorForType().findFieldByName("value");
      if (valueField.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collect((Message) element.getField(valueField), elementSite.at(valueField), refusals);
      }
    }
  }

  /** One field set outside the subset, and where. */
  private record Refusal(ConfigSite site, FieldDescriptor field) {
    String describe() {
      String hint = HINTS.get(field.getFullName());
      return "field '" + field.getName() + "' is not supported by Hadron" + (hint == null ? "" : " (" + hint + ")");
    }

    /** "input 'x'.reshape (9:5)", for the list after the first refusal. */
    String shortForm() {
      String where = site.lineColumn();
      return (site.path().isEmpty() ? "" : site.path() + ".") + field.getName()
          + (where.isEmpty() ? "" : " (" + where + ")");
    }
  }
}
