package io.hadron.loadtests.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.loadtests.client.Payload;
import io.hadron.loadtests.client.ScriptedServer;
import io.hadron.loadtests.client.Workload;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The closed and open loops against a scripted loopback server, in fractions of a second. */
class LoopsTest {
  private static final Payload SIMPLE = Payload.json(Workload.simple());
  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100);
  private static final String FULL = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 13\r\n\r\n{\"error\":\"q\"}";

  @Test
  void closedLoopCountsAnswersKeepsConnectionsAndMeasuresCpu() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.of(OK))) {
      ClosedLoopResult r = ClosedLoop.run(server.target(), SIMPLE, new ClosedLoop.Settings(3, Duration.ofMillis(50),
          Duration.ofMillis(300), Duration.ofSeconds(1)), CpuClock.self());
      assertTrue(r.completed() > 10, "completed " + r.completed());
      assertTrue(r.latencies().count() >= r.completed(), r.latencies().count() + " < " + r.completed());
      assertEquals(0, r.errors(), r.firstError());
      assertEquals(0, r.unanswered());
      assertEquals(3, r.connects());
      assertTrue(r.throughput() > 0);
      assertTrue(r.clientCpuNanos() >= 0 && r.serverCpuNanos() >= 0);
      ClosedLoopResult twice = r.plus(r);
      assertEquals(2 * r.completed(), twice.completed());
      assertEquals(r.throughput(), twice.throughput(), 1e-9);
    }
  }

  @Test
  void closedLoopCountsShortAnswersAsErrorsAndHangsAsUnanswered() throws Exception {
    // Request 0 hangs forever; the others get a body too short for the payload's answer.
    try (ScriptedServer server = new ScriptedServer(i -> i == 0 ? null
            : ScriptedServer.Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"))) {
      ClosedLoopResult r = ClosedLoop.run(server.target(), SIMPLE, new ClosedLoop.Settings(2, Duration.ZERO,
          Duration.ofMillis(200), Duration.ofMillis(100)), CpuClock.none());
      assertEquals(1, r.unanswered());
      assertTrue(r.errors() > 0);
      assertTrue(r.firstError().startsWith("HTTP 200, 1 bytes"), r.firstError());
      assertEquals(0, r.completed());
      assertEquals(-1, r.serverCpuNanos());
    }
  }

  @Test
  void openLoopSortsEveryRequestIntoOneOutcome() throws Exception {
    // Every third request is rejected, one hangs.
    try (ScriptedServer server = new ScriptedServer(i -> i == 5 ? null
            : ScriptedServer.Answer.of(i % 3 == 0 ? FULL : OK))) {
      OpenLoopResult r = OpenLoop.run(server.target(), SIMPLE,
          new OpenLoop.Settings(200, Duration.ofMillis(300), Duration.ofMillis(200), 64), CpuClock.none());
      assertEquals(60, r.offered());
      assertEquals(r.offered(), r.answered().count() + r.rejected().count() + r.errors() + r.notSent()
          + r.unanswered());
      assertEquals(1, r.unanswered());
      assertEquals(0, r.errors(), r.firstError());
      assertTrue(r.rejected().count() >= 15, "rejected " + r.rejected().count());
      assertTrue(r.answered().count() >= 30, "answered " + r.answered().count());
      assertTrue(r.rejectedShare() > 0.2 && r.rejectedShare() < 0.5);
      assertTrue(!r.allSettled());
    }
  }

  @Test
  void openLoopCountsRequestsItHadNoConnectionFor() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> null)) {
      OpenLoopResult r = OpenLoop.run(server.target(), SIMPLE,
          new OpenLoop.Settings(100, Duration.ofMillis(200), Duration.ofMillis(50), 1), CpuClock.none());
      assertEquals(20, r.offered());
      assertEquals(1, r.unanswered());
      assertEquals(19, r.notSent());
    }
  }
}
