package io.hadron.server.config;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.TextFormatParseInfoTree;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.server.config.proto.TritonConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a model's {@code config.pbtxt}, written in Triton's text format, into core's
 * {@link ModelConfig}.
 *
 * <p>Three stages, each failing with a {@link HadronException.InvalidArgument} whose message starts
 * with the file, then the line and column where known, then the field:
 *
 * <ol>
 *   <li>protobuf's text parser against Triton's schema: syntax, unknown fields, unknown enum
 *       names, numbers out of range, a field or a {@code oneof} given twice; then
 *       {@link DuplicateKeys}: a map key given twice;
 *   <li>{@link SupportedSubset}: any setting Hadron does not act on is refused, never ignored;
 *   <li>{@link ConfigMapper}: values, through core's validating records.
 * </ol>
 *
 * <p>A file may leave {@code name} out (Triton allows it); the caller then passes the model
 * directory's name. Whether a name written in the file matches the directory is for the caller.
 *
 * <p>Stateless; thread-safe.
 */
public final class ModelConfigParser {
  /** How protobuf's parser reports unknown fields: one "line:column:<tab>full.field.name" per line. */
  private static final String UNKNOWN_FIELDS_HEADER = "Input contains unknown fields and/or extensions:";
  private static final Pattern UNKNOWN_FIELD_LINE = Pattern.compile("(\\d+):(\\d+):\\s*(\\S+)");

  private ModelConfigParser() {}

  /**
   * Reads and parses a configuration file (UTF-8).
   *
   * @param defaultName the model's name if the file does not give one
   * @throws IOException if the file cannot be read
   * @throws HadronException.InvalidArgument if the file is not valid UTF-8 or not a valid
   *     configuration Hadron supports
   */
  public static ModelConfig read(Path file, String defaultName) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new HadronException.InvalidArgument(file + ": not UTF-8 text", e);
    }
    return parse(text, file, defaultName);
  }

  /**
   * Parses configuration text.
   *
   * @param file where the text came from; used in error messages only
   * @param defaultName the model's name if the text does not give one
   * @throws HadronException.InvalidArgument if the text is not a valid configuration Hadron supports
   */
  public static ModelConfig parse(String text, Path file, String defaultName) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(defaultName, "defaultName");
    TextFormatParseInfoTree.Builder positions = TextFormatParseInfoTree.builder();
    DynamicMessage.Builder parsed = DynamicMessage.newBuilder(TritonConfig.ModelConfig.getDescriptor());
    try {
      parser(positions).merge(withoutByteOrderMark(text), parsed);
    } catch (TextFormat.ParseException e) {
      throw new HadronException.InvalidArgument(
          file + (e.getLine() < 0 ? "" : ":" + e.getLine() + ":" + e.getColumn()) + ": " + describe(e), e);
    }
    ConfigSite root = ConfigSite.root(file, positions.build());
    DynamicMessage message = parsed.build();
    DuplicateKeys.reject(message, root);
    TritonConfig.ModelConfig config = typed(message);
    SupportedSubset.check(config, root);
    return ConfigMapper.toModelConfig(config, root, defaultName);
  }

  private static TextFormat.Parser parser(TextFormatParseInfoTree.Builder positions) {
    // The parse-info tree builder collects state, so each parse gets its own parser. Forbidding
    // overwrites makes "max_batch_size: 4 ... max_batch_size: 8" an error instead of last-wins,
    // as Triton's own (C++) parser does, and also catches two members of one oneof.
    return TextFormat.Parser.newBuilder()
        .setSingularOverwritePolicy(TextFormat.Parser.SingularOverwritePolicy.FORBID_SINGULAR_OVERWRITES)
        .setParseInfoTreeBuilder(positions)
        .build();
  }

  /** The generated form of the same message, for typed access; repeated map keys are gone by now. */
  private static TritonConfig.ModelConfig typed(DynamicMessage message) {
    try {
      // Through the binary form, which keeps what reflection would not: enum numbers outside the
      // schema (reported later, by number) and the presence of empty blocks.
      return TritonConfig.ModelConfig.parseFrom(message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a message serialized with its own schema failed to parse back", e);
    }
  }

  /**
   * The parser's message without its own "line:column: " prefix, with unknown fields spelt out;
   * should a protobuf release word them differently, its own message is kept as it is.
   */
  private static String describe(TextFormat.ParseException e) {
    String message = Objects.requireNonNullElse(e.getMessage(), "");
    String ownPrefix = e.getLine() + ":" + e.getColumn() + ": ";
    if (message.startsWith(ownPrefix)) {
      message = message.substring(ownPrefix.length());
    }
    if (message.startsWith(UNKNOWN_FIELDS_HEADER)) {
      StringBuilder out = new StringBuilder();
      int found = 0;
      for (String line : message.substring(UNKNOWN_FIELDS_HEADER.length()).strip().split("\n")) {
        Matcher m = UNKNOWN_FIELD_LINE.matcher(line.strip());
        if (!m.matches()) {
          continue;
        }
        found++;
        if (found == 1) {
          // Where the exception points: its position is already in the message's prefix.
          out.append(unknownField(m.group(3)));
        } else {
          out.append(found == 2 ? "; also " : ", ").append(unknownField(m.group(3)))
              .append(" (").append(m.group(1)).append(':').append(m.group(2)).append(')');
        }
      }
      if (found > 0) {
        return out.toString();
      }
    }
    // Any other parser message is already specific; keep it on one line.
    return message.replaceAll("\\s*\\n\\s*", " ");
  }

  /** "inference.ModelInput.dimz" becomes "unknown field 'dimz' in ModelInput". */
  private static String unknownField(String fullName) {
    int dot = fullName.lastIndexOf('.');
    String field = fullName.substring(dot + 1);
    String message = dot < 0 ? "" : fullName.substring(0, dot).replaceFirst("^inference\\.", "");
    return "unknown field '" + field + "'" + (message.isEmpty() ? "" : " in " + message);
  }

  private static String withoutByteOrderMark(String text) {
    // Editors on some systems start UTF-8 files with U+FEFF, which the parser would reject at 1:1.
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }
}
