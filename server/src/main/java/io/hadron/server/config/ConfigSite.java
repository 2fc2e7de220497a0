package io.hadron.server.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormatParseInfoTree;
import com.google.protobuf.TextFormatParseLocation;
import io.hadron.core.HadronException;
import java.nio.file.Path;
import java.util.List;

/**
 * A place in one configuration file, for error messages: the file, the line and column where a
 * field was written (when known), a readable path to it ({@code input 'INPUT0'},
 * {@code dynamic_batching.priority_queue_policy[2]}) and the positions of the fields written under
 * it.
 *
 * <p>Positions come from protobuf's parse-info tree, which records one nested tree per time a field
 * name is written. Elements written one by one ({@code input {..} input {..}}) therefore each get
 * their own position, but the elements of one list ({@code input [{..}, {..}]}) share a tree; for
 * those, when the count of trees and elements disagrees, an element is placed at the start of the
 * field's first occurrence and its inner fields at that same position. The readable path still
 * names the element exactly, so the message stays unambiguous.
 *
 * <p>Immutable.
 */
final class ConfigSite {
  private static final TextFormatParseInfoTree NO_POSITIONS = TextFormatParseInfoTree.builder().build();

  private final String file;
  private final TextFormatParseLocation position; // null: nothing more precise than the file
  private final TextFormatParseInfoTree inner;
  private final String path;

  private ConfigSite(String file, TextFormatParseLocation position, TextFormatParseInfoTree inner, String path) {
    this.file = file;
    this.position = position;
    this.inner = inner;
    this.path = path;
  }

  /** The whole file, with the positions the parser recorded for its top-level fields. */
  static ConfigSite root(Path file, TextFormatParseInfoTree positions) {
    return new ConfigSite(file.toString(), null, positions, "");
  }

  /** Where field {@code f} of the message here was first written (here, if it was not written). */
  ConfigSite at(FieldDescriptor f) {
    List<TextFormatParseLocation> at = inner.getLocations(f);
    List<TextFormatParseInfoTree> trees = inner.getNestedTrees(f);
    return new ConfigSite(file, at.isEmpty() ? position : at.get(0),
        trees.isEmpty() ? NO_POSITIONS : trees.get(0), path);
  }

  /** Like {@link #at}, for a singular message field, whose name then joins the readable path. */
  ConfigSite in(FieldDescriptor f) {
    ConfigSite s = at(f);
    return new ConfigSite(file, s.position, s.inner, join(path, f.getName()));
  }

  /**
   * The {@code index}-th of the {@code count} elements of a repeated message (or map) field, named
   * in the readable path by its {@code name} field, its map key, or else its index.
   */
  ConfigSite element(FieldDescriptor f, int index, int count, Message element) {
    List<TextFormatParseLocation> at = inner.getLocations(f);
    List<TextFormatParseInfoTree> trees = inner.getNestedTrees(f);
    String label = join(path, label(f, index, element));
    if (trees.size() == count && at.size() == count) {
      return new ConfigSite(file, at.get(index), trees.get(index), label);
    }
    return new ConfigSite(file, at.isEmpty() ? position : at.get(0), NO_POSITIONS, label);
  }

  /** An error for the user, prefixed with the file, line and column, and the path to this place. */
  HadronException.InvalidArgument error(String problem) {
    return new HadronException.InvalidArgument(prefix() + problem);
  }

  HadronException.InvalidArgument error(String problem, Throwable cause) {
    return new HadronException.InvalidArgument(prefix() + problem, cause);
  }

  /** "file:line:column: path: " with whichever parts are known. */
  String prefix() {
    return file + (position == null ? "" : ":" + lineColumn()) + ": " + (path.isEmpty() ? "" : path + ": ");
  }

  /** "line:column", both 1-based like the parser's own errors, or "" when unknown. */
  String lineColumn() {
    // The parse-info tree counts from 0; ParseException, editors and compilers count from 1.
    return position == null ? "" : (position.getLine() + 1) + ":" + (position.getColumn() + 1);
  }

  /** The readable path to this place; empty at the top of the file. */
  String path() {
    return path;
  }

  /** Orders sites as they appear in the file; sites without a position sort last. */
  static int compareByPosition(ConfigSite a, ConfigSite b) {
    if (a.position == null || b.position == null) {
      return Boolean.compare(a.position == null, b.position == null);
    }
    int byLine = Integer.compare(a.position.getLine(), b.position.getLine());
    return byLine != 0 ? byLine : Integer.compare(a.position.getColumn(), b.position.getColumn());
  }

  private static String label(FieldDescriptor f, int index, Message element) {
    if (f.isMapField()) {
      FieldDescriptor key = element.getDescriptorForType().findFieldByName("key");
      Object k = element.getField(key);
      String shown = switch (key.getType()) {
        case STRING -> "'" + k + "'";
        case UINT64, FIXED64 -> Long.toUnsignedString((Long) k);
        default -> String.valueOf(k);
      };
      return f.getName() + "[" + shown + "]";
    }
    FieldDescriptor name = element.getDescriptorForType().findFieldByName("name");
    if (name != null && name.getType() == FieldDescriptor.Type.STRING && !name.isRepeated()) {
      String n = (String) element.getField(name);
      if (!n.isEmpty()) {
        return f.getName() + " '" + n + "'";
      }
    }
    return f.getName() + "[" + index + "]";
  }

  private static String join(String parent, String child) {
    return parent.isEmpty() ? child : parent + "." + child;
  }
}
