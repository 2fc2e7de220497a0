package io.hadron.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void rendersMarkdownAndAlignedText() {
    Table t = new Table("series", "req/s").row("a|b", "1.0").row("longer name", "123.4");
    assertEquals("""
        | series | req/s |
        |---|---:|
        | a\\|b | 1.0 |
        | longer name | 123.4 |
        """, t.markdown());
    assertEquals("""
        series       req/s
        a|b            1.0
        longer name  123.4
        """, t.text());
    assertThrows(IllegalArgumentException.class, () -> t.row("only one"));
  }
}
