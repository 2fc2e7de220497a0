package io.hadron.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
  private static TensorConfig t(String name) {
    return new TensorConfig(name, DataType.FP32, new long[] {4}, false);
  }

  @Test
  void batchedShapesGainALeadingDynamicDimension() {
    ModelConfig c = ModelConfig.builder("m").maxBatchSize(8).addInput(t("x")).addOutput(t("y")).build();
    assertTrue(c.batched());
    assertArrayEquals(new long[] {-1, 4}, c.input("x").orElseThrow().shapeWithBatch(c.batched()));
    assertArrayEquals(new long[] {4}, c.output("y").orElseThrow().shapeWithBatch(false));
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void conflictingValuesAreRejectedNamingTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder("m").maxBatchSize(-1).build()).getMessage().contains("max_batch_size"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder("m").addInput(t("x")).addInput(t("x")).build()).getMessage().contains("'x'"));
    DynamicBatching db = new DynamicBatching(List.of(16), 0, false, 0, 0, QueuePolicy.DEFAULT, Map.of());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder("m").maxBatchSize(8).dynamicBatching(db).build()).getMessage().contains("16"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder("m").dynamicBatching(db).build()).getMessage().contains("max_batch_size > 0"));
    assertThrows(IllegalArgumentException.class, () -> new TensorConfig("", DataType.FP32, new long[0], false));
    assertThrows(IllegalArgumentException.class, () -> new TensorConfig("x", DataType.FP32, new long[] {-2}, false));
    assertThrows(IllegalArgumentException.class, () -> new InstanceGroup("g", 1, InstanceGroup.Kind.KIND_GPU, List.of(-1)));
    assertThrows(IllegalArgumentException.class, () -> new InstanceGroup("g", 0, InstanceGroup.Kind.KIND_CPU, List.of()));
  }

  @Test
  void priorityLevelsBoundTheDefaultLevelAndPerLevelPolicies() {
    assertThrows(IllegalArgumentException.class,
        () -> new DynamicBatching(List.of(), 0, false, 2, 3, QueuePolicy.DEFAULT, Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new DynamicBatching(List.of(), 0, false, 2, 1, QueuePolicy.DEFAULT, Map.of(3, QueuePolicy.DEFAULT)));
    QueuePolicy strict = new QueuePolicy(QueuePolicy.TimeoutAction.DELAY, 100, true, 5);
    DynamicBatching db = new DynamicBatching(List.of(), 0, false, 2, 1, QueuePolicy.DEFAULT, Map.of(2, strict));
    assertEquals(strict, db.policyFor(2));
    assertEquals(QueuePolicy.DEFAULT, db.policyFor(1));
  }

  @Test
  void versionPoliciesSelectFromWhatIsOnDisk() {
    TreeSet<Long> disk = new TreeSet<>(List.of(1L, 2L, 5L, 7L));
    assertEquals(new TreeSet<>(List.of(5L, 7L)), new VersionPolicy.Latest(2).select(disk));
    assertEquals(disk, new VersionPolicy.All().select(disk));
    assertEquals(new TreeSet<>(List.of(2L)), new VersionPolicy.Specific(Set.of(2L, 3L)).select(disk));
    assertThrows(IllegalArgumentException.class, () -> new VersionPolicy.Specific(Set.of(-1L)));
    assertThrows(IllegalArgumentException.class, () -> new VersionPolicy.Latest(0));
  }
}
