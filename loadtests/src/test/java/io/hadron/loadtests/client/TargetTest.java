package io.hadron.loadtests.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void acceptsLoopbackUrls() {
    Target t = Target.parse("http://127.0.0.1:8000");
    assertEquals(8000, t.address().getPort());
    assertTrue(t.address().getAddress().isLoopbackAddress());
    assertEquals("http://127.0.0.1:8000", t.baseUrl());
    assertEquals(8000, Target.parse("http://localhost:8000/").address().getPort());
    assertEquals(80, Target.parse("http://127.0.0.2").address().getPort());
    assertTrue(Target.parse("http://[::1]:9000").address().getAddress().isLoopbackAddress());
  }

  @Test
  void refusesAnythingButLoopback() {
    var e = assertThrows(IllegalArgumentException.class, () -> Target.parse("http://10.1.2.3:8000"));
    assertTrue(e.getMessage().contains("not a loopback address"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Target.parse("http://192.168.0.1"));
  }

  @Test
  void refusesOtherSchemesPathsAndGarbage() {
    assertThrows(IllegalArgumentException.class, () -> Target.parse("https://127.0.0.1:8000"));
    assertThrows(IllegalArgumentException.class, () -> Target.parse("http://127.0.0.1:8000/v2"));
    assertThrows(IllegalArgumentException.class, () -> Target.parse("not a url"));
    assertThrows(IllegalArgumentException.class, () -> Target.parse("127.0.0.1:8000"));
  }
}
