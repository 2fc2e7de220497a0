package io.hadron.loadtests.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A table of text cells, rendered as markdown or as aligned plain text. The first column is
 * left-aligned, the others right-aligned (they hold numbers), unless made with {@link #left}.
 *
 * <p>Confined to one thread while built; rendering does not change it.
 */
final class Table {
  private final List<String> header;
  private final boolean allLeft;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this(false, header);
  }

  private Table(boolean allLeft, String... header) {
    this.header = List.of(header);
    this.allLeft = allLeft;
  }

  /** A table of text, every column left-aligned. */
  static Table left(String... header) {
    return new Table(true, header);
  }

  Table row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row of " + cells.length + " cells for " + header.size() + " columns");
    }
    rows.add(Arrays.asList(cells));
    return this;
  }

  String markdown() {
    StringBuilder sb = new StringBuilder();
    line(sb, header);
    sb.append('|');
    for (int i = 0; i < header.size(); i++) {
      sb.append(i == 0 || allLeft ? "---" : "---:").append('|');
    }
    sb.append('\n');
    for (List<String> r : rows) {
      line(sb, r);
    }
    return sb.toString();
  }

  String text() {
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    aligned(sb, header, width);
    for (List<String> r : rows) {
      aligned(sb, r, width);
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> cells) {
    sb.append('|');
    for (String c : cells) {
      sb.append(' ').append(c.replace("|", "\\|")).append(" |");
    }
    sb.append('\n');
  }

  private void aligned(StringBuilder sb, List<String> cells, int[] width) {
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      String pad = " ".repeat(width[i] - c.length());
      String cell = i == 0 || allLeft ? c + pad : pad + c;
      sb.append(i + 1 < cells.size() ? cell + "  " : cell.stripTrailing() + "\n");
    }
  }
}
