package io.hadron.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadedInstancesTest {
  @Test
  void closeFreesOnceSetsTheSharedFlagAndThrowsWhatFreeingReports() {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicInteger frees = new AtomicInteger();
    HadronException.Internal failure = new HadronException.Internal("closing a session failed", null);
    LoadedInstances m = new LoadedInstances(ModelConfig.builder("m").build(), List.of(), closed, primary -> {
      frees.incrementAndGet();
      return failure;
    });
    assertSame(failure, assertThrows(HadronException.Internal.class, m::close));
    assertTrue(closed.get(), "instances reading the flag refuse work from now on");
    m.close();
    assertEquals(1, frees.get(), "a second close frees nothing");
  }
}
