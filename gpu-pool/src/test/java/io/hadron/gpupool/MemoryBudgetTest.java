package io.hadron.gpupool;

import static org.junit.jupiter.api.Assertions.*;

import io.hadron.core.HadronException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long GIB = 1L << 30;

  private FakeClock clock;
  private List<String> evictions;

  /** A model the test can mark busy; records its eviction. */
  private final class Model implements Resident {
    final String name;
    final AtomicBoolean busy = new AtomicBoolean();
    int evicted;

    Model(String name) {
      this.name = name;
    }

    @Override
    public boolean isBusy() {
      return busy.get();
    }

    @Override
    public void evict() {
      evicted++;
      evictions.add(name);
    }
  }

  @BeforeEach
  void setUp() {
    clock = new FakeClock();
    evictions = new ArrayList<>();
  }

  private MemoryBudget budget() {
    return MemoryBudget.builder().device("gpu0", 10 * GIB).device("gpu1", 10 * GIB).cpu(32 * GIB).clock(clock).build();
  }

  private Residency admit(MemoryBudget b, String name, long bytes, List<String> allowed) {
    clock.advanceNanos(1_000);
    return b.admit(name, bytes, allowed, new Model(name));
  }

  @Test
  void aModelGoesWhereItLeavesTheLeastRoom() {
    MemoryBudget b = budget();
    admit(b, "a", 6 * GIB, List.of("gpu1"));
    Residency r = admit(b, "b", 3 * GIB, List.of("gpu0", "gpu1"));
    assertEquals("gpu1", r.device(), "4 GiB left on gpu1 is a tighter fit than 10 on gpu0");
    assertEquals(9 * GIB, b.usedBytes("gpu1"));
    assertTrue(r.evicted().isEmpty());
  }

  @Test
  void tiesGoToTheFirstAllowedDevice() {
    MemoryBudget b = budget();
    assertEquals("gpu1", admit(b, "a", GIB, List.of("gpu1", "gpu0")).device());
  }

  @Test
  void onlyAllowedDevicesAreConsidered() {
    MemoryBudget b = budget();
    admit(b, "a", 9 * GIB, List.of("gpu0"));
    Residency r = admit(b, "b", 2 * GIB, List.of("gpu0"));
    assertEquals("gpu0", r.device(), "gpu1 has room but is not allowed, so gpu0 evicts");
    assertEquals(List.of("a"), evictions);
  }

  @Test
  void anEmptyAllowedListMeansAnyDevice() {
    MemoryBudget b = budget();
    assertEquals("cpu", admit(b, "big", 20 * GIB, List.of()).device());
  }

  @Test
  void evictionTakesIdleModelsLeastRecentlyUsedFirstAndOnlyAsManyAsNeeded() {
    MemoryBudget b = budget();
    Residency m1 = admit(b, "m1", 3 * GIB, List.of("gpu0"));
    Residency m2 = admit(b, "m2", 3 * GIB, List.of("gpu0"));
    Residency m3 = admit(b, "m3", 3 * GIB, List.of("gpu0"));
    clock.advanceNanos(1_000);
    m1.touch(); // m2 is now the least recently used, then m3, then m1
    Residency big = admit(b, "big", 4 * GIB, List.of("gpu0"));
    assertEquals(List.of("m2"), evictions, "1 GiB free + m2's 3 GiB is enough");
    assertEquals(List.of(new Footprint("m2", "gpu0", 3 * GIB)), big.evicted());
    assertFalse(m2.isResident());
    assertTrue(m1.isResident());
    assertTrue(m3.isResident());
    assertEquals(10 * GIB, b.usedBytes("gpu0"));
  }

  @Test
  void evictionOrderSurvivesClockOverflow() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    Residency old = admit(b, "old", 5 * GIB, List.of());
    clock.advanceNanos(2_000_000_000L); // past Long.MAX_VALUE: the newer reading is negative
    Residency fresh = admit(b, "fresh", 5 * GIB, List.of());
    admit(b, "next", 5 * GIB, List.of());
    assertEquals(List.of("old"), evictions);
    assertTrue(fresh.isResident());
    assertFalse(old.isResident());
  }

  @Test
  void busyModelsAreNeverEvicted() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    clock.advanceNanos(1);
    Model busy = new Model("busy");
    busy.busy.set(true);
    b.admit("busy", 4 * GIB, List.of(), busy); // least recently used, but serving
    admit(b, "idle", 4 * GIB, List.of());
    admit(b, "new", 5 * GIB, List.of());
    assertEquals(List.of("idle"), evictions);
    assertEquals(0, busy.evicted);
  }

  @Test
  void whenOnlyBusyModelsCouldMakeRoomAdmissionFailsNamingThem() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    Model busy = new Model("resnet:1");
    busy.busy.set(true);
    b.admit("resnet:1", 8 * GIB, List.of(), busy);
    HadronException.ResourceExhausted e =
        assertThrows(HadronException.ResourceExhausted.class, () -> b.admit("bert:2", 4 * GIB, List.of(), new Model("bert:2")));
    String m = e.getMessage();
    assertTrue(m.contains("bert:2"), m);
    assertTrue(m.contains(Long.toString(4 * GIB)), m);
    assertTrue(m.contains("capacity " + 10 * GIB), m);
    assertTrue(m.contains("resnet:1"), m);
    assertEquals(8 * GIB, b.usedBytes("gpu0"), "a failed admission changes nothing");
    assertTrue(evictions.isEmpty());
  }

  @Test
  void aModelLargerThanEveryCapacityFailsSayingSo() {
    MemoryBudget b = budget();
    HadronException.ResourceExhausted e =
        assertThrows(HadronException.ResourceExhausted.class, () -> b.admit("huge", 11 * GIB, List.of("gpu0", "gpu1"), new Model("huge")));
    assertTrue(e.getMessage().contains("less than the model needs"), e.getMessage());
  }

  @Test
  void theDeviceWhoseVictimsAreColdestIsChosen() {
    MemoryBudget b = budget();
    admit(b, "cold", 8 * GIB, List.of("gpu1"));
    admit(b, "warm", 8 * GIB, List.of("gpu0"));
    admit(b, "new", 6 * GIB, List.of("gpu0", "gpu1"));
    assertEquals(List.of("cold"), evictions, "gpu1's victim was used longer ago");
  }

  @Test
  void releaseReturnsTheMemoryAndIsIdempotent() {
    MemoryBudget b = budget();
    Residency r = admit(b, "a", 5 * GIB, List.of("gpu0"));
    r.release();
    r.release();
    assertEquals(0, b.usedBytes("gpu0"));
    assertFalse(r.isResident());
    assertTrue(b.residents().isEmpty());
  }

  @Test
  void planIsADryRun() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    admit(b, "a", 8 * GIB, List.of());
    MemoryBudget.Placement p = b.plan("b", 4 * GIB, List.of());
    assertEquals("gpu0", p.device());
    assertEquals(List.of(new Footprint("a", "gpu0", 8 * GIB)), p.evictions());
    assertTrue(evictions.isEmpty());
    assertEquals(8 * GIB, b.usedBytes("gpu0"));
  }

  @Test
  void aFailingEvictionCallbackDoesNotStopAdmission() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    b.admit(
        "bad",
        8 * GIB,
        List.of(),
        new Resident() {
          @Override
          public boolean isBusy() {
            return false;
          }

          @Override
          public void evict() {
            throw new IllegalStateException("cannot unload");
          }
        });
    assertEquals("gpu0", admit(b, "good", 8 * GIB, List.of()).device());
  }

  @Test
  void unknownDevicesAreRejectedNamingTheKnownOnes() {
    MemoryBudget b = budget();
    HadronException.InvalidArgument e =
        assertThrows(HadronException.InvalidArgument.class, () -> admit(b, "a", 1, List.of("gpu3")));
    assertTrue(e.getMessage().contains("gpu3") && e.getMessage().contains("gpu0"), e.getMessage());
  }

  @Test
  void theBuilderRejectsBadConfigurationNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.builder().device("gpu0", 0));
    assertTrue(e.getMessage().contains("gpu0"));
    assertThrows(IllegalArgumentException.class, () -> MemoryBudget.builder().device("gpu0", 1).device("gpu0", 2));
    assertThrows(IllegalArgumentException.class, () -> MemoryBudget.builder().build());
    e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.builder().gpus(GpuDevices.none("test"), 1.5));
    assertTrue(e.getMessage().contains("1.5"));
  }

  @Test
  void gpuCapacitiesAreAFractionOfTheirMemory() {
    GpuDevices gpus =
        GpuDevices.of(List.of(new GpuDevice(0, "Test GPU", 80 * GIB, 79 * GIB, 9, 0, "00000000:01:00.0")));
    MemoryBudget b = MemoryBudget.builder().gpus(gpus, 0.9).cpu(GIB).build();
    assertEquals(List.of("gpu0", "cpu"), b.devices());
    assertEquals((long) Math.floor(80 * GIB * 0.9), b.capacityBytes("gpu0"));
  }

  @Test
  void touchRecordsTheClockWithoutLocking() {
    MemoryBudget b = MemoryBudget.builder().device("gpu0", 10 * GIB).clock(clock).build();
    Residency r = admit(b, "a", GIB, List.of());
    long before = r.lastUsedNanos();
    clock.advanceNanos(5);
    r.touch();
    assertEquals(before + 5, r.lastUsedNanos());
  }
}
