package io.hadron.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HarnessOptionsTest {
  @Test
  void defaultsFitTheTimeBudget() {
    HarnessOptions o = HarnessOptions.parse();
    assertEquals(HarnessOptions.defaults(), o);
    assertEquals(Path.of("server/target/hadron-server.jar"), o.serverJar());
    assertEquals(List.of(1, 4, 8, 16, 32), o.miniLmClients());
    assertEquals(6, o.targetPairs());
    // Ten minutes in all, start-up and grace periods included (about 20 s on the benchmark machine):
    // measurement must leave room.
    assertTrue(o.estimate().compareTo(Duration.ofSeconds(510)) < 0, o.estimate().toString());
  }

  @Test
  void parsesEveryFlagBothWays() {
    HarnessOptions o = HarnessOptions.parse("--rounds", "3", "--seconds=2.5", "--minilm-clients", "2,16",
        "--simple-clients=1", "--target-clients", "2", "--server-arg=--metrics=false", "--server-jvm-arg",
        "-Xmx1g", "--server-arg", "--model-load-threads=1", "--overload-factor", "2.5", "--out", "x/y",
        "--target-pairs=0");
    assertEquals(3, o.rounds());
    assertEquals(Duration.ofMillis(2500), o.measure());
    assertEquals(List.of(2, 16), o.miniLmClients());
    assertEquals(2, o.targetClients());
    assertEquals(List.of("--metrics=false", "--model-load-threads=1"), o.serverArgs());
    assertEquals(List.of("-Xmx1g"), o.serverJvmArgs());
    assertEquals(2.5, o.overloadFactor());
    assertEquals(Path.of("x/y"), o.out());
    assertEquals(0, o.targetPairs());
  }

  @Test
  void quickIsShortWhereverItStands() {
    HarnessOptions q = HarnessOptions.parse("--rounds", "2", "--quick");
    assertEquals(2, q.rounds());
    assertEquals(Duration.ofSeconds(2), q.measure());
    assertEquals(1, q.targetPairs());
    assertTrue(q.estimate().compareTo(HarnessOptions.defaults().estimate()) < 0);
  }

  @Test
  void badValuesNameTheFlag() {
    assertMessage("--rounds must be between 1 and 5, got 9", "--rounds", "9");
    assertMessage("--seconds needs a number, got 'x'", "--seconds", "x");
    assertMessage("--target-clients 3 is not among --minilm-clients [1, 4, 8, 16, 32]", "--target-clients", "3");
    assertMessage("--simple-clients must be increasing, got [8, 1]", "--simple-clients", "8,1");
    assertMessage("--minilm-clients: each concurrency must be between 1 and 512, got 0", "--minilm-clients", "0");
    assertMessage("unknown flag '--bogus' (see --help)", "--bogus", "1");
    assertMessage("--sequence needs a value", "--sequence");
    assertMessage("--overload-factor must be between 1 and 10, got 0.5", "--overload-factor", "0.5");
    assertMessage("--ort-config needs key=value, got 'spin'", "--ort-config", "spin");
    assertMessage("--target-pairs must be between 0 and 20, got 21", "--target-pairs", "21");
  }

  @Test
  void sessionEntriesRepeat() {
    HarnessOptions o = HarnessOptions.parse("--ort-config", "session.intra_op.allow_spinning=0",
        "--ort-config=session.inter_op.allow_spinning=0");
    assertEquals(List.of("session.intra_op.allow_spinning=0", "session.inter_op.allow_spinning=0"), o.ortConfig());
    assertEquals(List.of(), HarnessOptions.defaults().ortConfig());
  }

  private static void assertMessage(String message, String... args) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(args)).getMessage());
  }
}
