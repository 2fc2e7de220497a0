package io.hadron.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Kubernetes manifests read from YAML (several documents per file allowed) into JSON trees, to
 * assert on. The list is immutable; the trees are shared with callers, which only read them.
 */
final class Manifests {
  private final List<JsonObject> docs;

  private Manifests(List<JsonObject> docs) {
    this.docs = docs;
  }

  @SuppressWarnings("unchecked")
  static Manifests parse(String yaml) {
    List<JsonObject> out = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      if (doc != null) {
        out.add(new JsonObject((Map<String, Object>) doc));
      }
    }
    return new Manifests(List.copyOf(out));
  }

  List<JsonObject> all() {
    return docs;
  }

  List<String> kinds() {
    return docs.stream().map(d -> d.getString("kind")).sorted().toList();
  }

  /** The only document of this kind. */
  JsonObject one(String kind) {
    List<JsonObject> found = docs.stream().filter(d -> kind.equals(d.getString("kind"))).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size() + " among " + kinds());
    }
    return found.getFirst();
  }

  boolean has(String kind) {
    return docs.stream().anyMatch(d -> kind.equals(d.getString("kind")));
  }

  /** The element of an array of objects whose {@code name} is {@code name}. */
  static JsonObject named(JsonArray array, String name) {
    for (int i = 0; i < array.size(); i++) {
      JsonObject o = array.getJsonObject(i);
      if (name.equals(o.getString("name"))) {
        return o;
      }
    }
    throw new AssertionError("no element named '" + name + "' in " + array.encode());
  }
}
