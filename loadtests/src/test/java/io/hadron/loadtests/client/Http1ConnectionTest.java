package io.hadron.loadtests.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Http1ConnectionTest {
  private static final byte[] REQUEST = Payload.json(Workload.simple()).requestBytes("127.0.0.1");

  @Test
  void readsContentLengthBodiesOnOneKeptAliveConnection() throws Exception {
    String body = "x".repeat(100_000);
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.of(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      for (int i = 0; i < 5; i++) {
        Reply r = c.exchange(REQUEST);
        assertEquals(200, r.status());
        assertEquals(body.length(), r.bodyLength());
        assertEquals("", r.errorText());
      }
      assertEquals(1, c.connects());
      assertEquals(1, server.connections());
    }
  }

  @Test
  void readsChunkedBodiesAndKeepsTheStartOfAnErrorBody() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.of(
            "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "6;ext=1\r\n{\"erro\r\n10\r\nr\":\"queue full\"}\r\n0\r\nTrailer: x\r\n\r\n"));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      Reply r = c.exchange(REQUEST);
      assertEquals(503, r.status());
      assertEquals(22, r.bodyLength());
      assertEquals("{\"error\":\"queue full\"}", r.errorText());
      // The connection is still usable after a chunked body and its trailers.
      assertEquals(503, c.exchange(REQUEST).status());
      assertEquals(1, c.connects());
    }
  }

  @Test
  void skipsInterimAnswersAndReconnectsAfterConnectionClose() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.closing(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      assertEquals(200, c.exchange(REQUEST).status());
      assertEquals(200, c.exchange(REQUEST).status());
      assertEquals(2, c.connects());
    }
  }

  @Test
  void readsABodyThatRunsToTheEndOfTheConnection() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.closing(
            "HTTP/1.0 200 OK\r\n\r\nuntil the end"));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      assertEquals(13, c.exchange(REQUEST).bodyLength());
    }
  }

  @Test
  void malformedAnswersAreErrors() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.of(
            i == 0 ? "SPDY/3 200 OK\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n"));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      assertTrue(assertThrows(IOException.class, () -> c.exchange(REQUEST)).getMessage().contains("status line"));
      assertTrue(assertThrows(IOException.class, () -> c.exchange(REQUEST)).getMessage().contains("Content-Length"));
    }
  }

  @Test
  void aTruncatedBodyIsAnError() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> ScriptedServer.Answer.closing(
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
        Http1Connection c = new Http1Connection(server.target(), 5000)) {
      assertThrows(IOException.class, () -> c.exchange(REQUEST));
    }
  }

  @Test
  void closeFromAnotherThreadAbortsABlockedExchange() throws Exception {
    try (ScriptedServer server = new ScriptedServer(i -> null);
        Http1Connection c = new Http1Connection(server.target(), 0)) {
      c.connect();
      CompletableFuture<Reply> pending = CompletableFuture.supplyAsync(() -> {
        try {
          return c.exchange(REQUEST);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      Thread.sleep(100);
      c.close();
      var e = assertThrows(Exception.class, () -> pending.get(5, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof RuntimeException, e.toString());
      assertThrows(IOException.class, () -> c.exchange(REQUEST));
    }
  }
}
