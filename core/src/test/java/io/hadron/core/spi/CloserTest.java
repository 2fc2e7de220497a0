package io.hadron.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hadron.core.HadronException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
  @Test
  void everyStepRunsAndTheFailuresAreGatheredIntoOneInternalError() {
    List<String> ran = new ArrayList<>();
    Closer c = new Closer(null);
    c.run("closing a", () -> ran.add("a"));
    c.run("closing b", () -> {
      ran.add("b");
      throw new IOException("disk");
    });
    c.run("closing c", () -> {
      ran.add("c");
      throw new IllegalStateException("busy");
    });
    assertEquals(List.of("a", "b", "c"), ran);
    HadronException.Internal e = assertInstanceOf(HadronException.Internal.class, c.failure());
    assertEquals("closing b failed: disk", e.getMessage());
    assertEquals("busy", e.getSuppressed()[0].getMessage());
  }

  @Test
  void withAPrimaryFailureCloseFailuresAreAddedToItAndNothingIsReturned() {
    RuntimeException primary = new RuntimeException("load failed");
    Closer c = new Closer(primary);
    c.run("closing a", () -> {
      throw new IOException("disk");
    });
    assertNull(c.failure());
    assertEquals(1, primary.getSuppressed().length);
    assertSame(IOException.class, primary.getSuppressed()[0].getClass());
  }

  @Test
  void nothingFailingReturnsNothing() {
    Closer c = new Closer(null);
    c.run("closing a", () -> {});
    assertNull(c.failure());
  }
}
