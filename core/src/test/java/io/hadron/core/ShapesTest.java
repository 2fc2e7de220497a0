package io.hadron.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapesTest {
  @Test
  void elementCountMultipliesDimensions() {
    assertEquals(1, Shapes.elementCount(new long[0]));
    assertEquals(0, Shapes.elementCount(new long[] {3, 0, 5}));
    assertEquals(1 * 128 * 384, Shapes.elementCount(new long[] {1, 128, 384}));
  }

  @Test
  void negativeDimensionIsRejected() {
    var e = assertThrows(HadronException.InvalidArgument.class, () -> Shapes.elementCount(new long[] {2, -1}));
    assertTrue(e.getMessage().contains("[2, -1]"), e.getMessage());
  }

  @Test
  void overflowingShapeIsRejectedNotWrapped() {
    assertThrows(HadronException.InvalidArgument.class,
        () -> Shapes.elementCount(new long[] {1L << 40, 1L << 40}));
  }

  @Test
  void dynamicDimensionsMatchAnySize() {
    assertTrue(Shapes.matches(new long[] {-1, 16}, new long[] {7, 16}));
    assertFalse(Shapes.matches(new long[] {-1, 16}, new long[] {7, 15}));
    assertFalse(Shapes.matches(new long[] {-1, 16}, new long[] {16}));
    assertEquals("[1,16]", Shapes.format(new long[] {1, 16}));
  }
}
