package io.hadron.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataTypeTest {
  @Test
  void everyKserveDatatypeHasItsElementSize() {
    assertEquals(1, DataType.BOOL.byteSize());
    assertEquals(1, DataType.UINT8.byteSize());
    assertEquals(2, DataType.UINT16.byteSize());
    assertEquals(4, DataType.UINT32.byteSize());
    assertEquals(8, DataType.UINT64.byteSize());
    assertEquals(1, DataType.INT8.byteSize());
    assertEquals(2, DataType.INT16.byteSize());
    assertEquals(4, DataType.INT32.byteSize());
    assertEquals(8, DataType.INT64.byteSize());
    assertEquals(2, DataType.FP16.byteSize());
    assertEquals(2, DataType.BF16.byteSize());
    assertEquals(4, DataType.FP32.byteSize());
    assertEquals(8, DataType.FP64.byteSize());
    assertEquals(-1, DataType.BYTES.byteSize());
    assertFalse(DataType.BYTES.isFixedSize());
    assertEquals(14, DataType.values().length);
  }

  @Test
  void wireAndConfigNamesRoundTrip() {
    for (DataType t : DataType.values()) {
      assertEquals(t, DataType.fromWireName(t.wireName()));
      assertEquals(t, DataType.fromConfigName(t.configName()));
    }
    assertEquals(DataType.BYTES, DataType.fromConfigName("TYPE_STRING"));
  }

  @Test
  void unknownNamesAreRejectedWithTheName() {
    HadronException e = assertThrows(HadronException.class, () -> DataType.fromWireName("FLOAT"));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    assertTrue(e.getMessage().contains("'FLOAT'"), e.getMessage());
    assertThrows(HadronException.InvalidArgument.class, () -> DataType.fromWireName(null));
    assertThrows(HadronException.InvalidArgument.class, () -> DataType.fromConfigName("FP32"));
  }

  @Test
  void categoriesAreDisjoint() {
    for (DataType t : DataType.values()) {
      int n = (t.isFloatingPoint() ? 1 : 0) + (t.isInteger() ? 1 : 0);
      assertTrue(n <= 1, t.name());
    }
    assertTrue(DataType.UINT64.isUnsigned());
    assertFalse(DataType.INT64.isUnsigned());
  }
}
