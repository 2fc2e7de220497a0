package io.hadron.loadtests.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A loopback HTTP/1.1 server that answers each request with raw bytes from a script, for testing
 * the client's parsing. Reads each request's head and Content-Length body, then writes the scripted
 * answer; a {@code null} answer means: never answer (hang until closed).
 *
 * <p>Thread-safe; one thread per connection.
 */
public final class ScriptedServer implements AutoCloseable {
  /** One scripted answer. */
  public record Answer(byte[] bytes, boolean closeAfter) {
    public static Answer of(String raw) {
      return new Answer(raw.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    public static Answer closing(String raw) {
      return new Answer(raw.getBytes(StandardCharsets.ISO_8859_1), true);
    }
  }

  private final ServerSocket socket;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();

  public ScriptedServer(IntFunction<Answer> script) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().start(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          connections.incrementAndGet();
          Thread.ofPlatform().daemon().start(() -> serve(s, script));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  public Target target() {
    return Target.loopback("127.0.0.1", socket.getLocalPort());
  }

  public int connections() {
    return connections.get();
  }

  private void serve(Socket s, IntFunction<Answer> script) {
    try (s) {
      InputStream in = s.getInputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        int length = 0;
        for (String line : head.split("\r\n")) {
          if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.readNBytes(length);
        Answer a = script.apply(requests.getAndIncrement());
        if (a == null) {
          // Hang: read until the client goes away.
          while (in.read() >= 0) {
            // nothing
          }
          return;
        }
        s.getOutputStream().write(a.bytes());
        s.getOutputStream().flush();
        if (a.closeAfter()) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
