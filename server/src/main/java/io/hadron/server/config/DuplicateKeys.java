package io.hadron.server.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a map written with the same key twice ({@code parameters}, {@code priority_queue_policy},
 * anywhere in the file). Protobuf keeps only the last value for a repeated key, so without this
 * check the earlier setting would be dropped without a word.
 *
 * <p>Works on a {@link DynamicMessage}, which holds a map as the plain list of entries the text
 * contained; generated messages collapse the repeats while parsing nested blocks.
 *
 * <p>Stateless; thread-safe.
 */
final class DuplicateKeys {
  private DuplicateKeys() {}

  /**
   * @throws io.hadron.core.HadronException.InvalidArgument naming the map, the key and the place of
   *     its second occurrence
   */
  static void reject(DynamicMessage parsed, ConfigSite site) {
    walk(parsed, site);
  }

  private static void walk(Message message, ConfigSite site) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (!f.isRepeated()) {
        walk((Message) e.getValue(), site.in(f));
        continue;
      }
      List<?> elements = (List<?>) e.getValue();
      Set<Object> keys = new HashSet<>();
      for (int i = 0; i < elements.size(); i++) {
        Message element = (Message) elements.get(i);
        ConfigSite elementSite = site.element(f, i, elements.size(), element);
        if (f.isMapField()) {
          Object key = element.getField(element.getDescriptorForType().findFieldByName("key"));
          if (!keys.add(key)) {
            throw elementSite.error("key given more than once");
          }
        }
        walk(element, elementSite);
      }
    }
  }
}
