package io.hadron.loadtests.client;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection with blocking I/O: the smallest client that can drive a server
 * hard without becoming the thing measured. It writes a request prepared once as bytes, parses the
 * status line and the few headers that frame a response ({@code Content-Length}, chunked {@code
 * Transfer-Encoding}, {@code Connection: close}), and reads the body into its own buffer, keeping
 * only its length (and its start, for errors). Nothing is allocated per request on the success path
 * beyond the {@link Reply}.
 *
 * <p>It connects lazily and again after the server closes; {@link #connects()} counts how often, so
 * that a run can show it reused its connections. Requests are not pipelined: one exchange at a time.
 *
 * <p>Confined to one thread at a time, except {@link #close()}, which any thread may call to abort
 * an exchange blocked in a read (the blocked call then fails with an {@link IOException}).
 */
public final class Http1Connection implements Closeable {
  /** How much of an error body a {@link Reply} keeps. */
  public static final int ERROR_TEXT_BYTES = 512;
  private static final int MAX_LINE = 16 * 1024;

  private final Target target;
  private final int timeoutMillis;
  private final byte[] buf = new byte[64 * 1024];
  private final byte[] errorText = new byte[ERROR_TEXT_BYTES];
  private int pos;
  private int limit;
  private volatile Socket socket;
  private volatile boolean closed;
  private InputStream in;
  private OutputStream out;
  private int connects;

  /**
   * @param timeoutMillis how long one read may block (0 = forever; an owner that aborts with {@link
   *     #close()} needs no timeout)
   */
  public Http1Connection(Target target, int timeoutMillis) {
    if (timeoutMillis < 0) {
      throw new IllegalArgumentException("timeoutMillis must be >= 0, got " + timeoutMillis);
    }
    this.target = target;
    this.timeoutMillis = timeoutMillis;
  }

  /** Opens the connection now rather than at the first request. */
  public void connect() throws IOException {
    if (socket == null) {
      open();
    }
  }

  /** Times this connection has (re)connected. */
  public int connects() {
    return connects;
  }

  /** Sends one whole request (head and body, as {@link Payload#requestBytes} makes) and reads the answer. */
  public Reply exchange(byte[] request) throws IOException {
    if (socket == null) {
      open();
    }
    try {
      out.write(request);
      return readReply();
    } catch (IOException | RuntimeException e) {
      dropSocket();
      throw e;
    }
  }

  /** A GET of {@code path}, for health and metadata. */
  public Reply get(String path) throws IOException {
    String head = "GET " + path + " HTTP/1.1\r\nHost: " + target.host() + "\r\n\r\n";
    return exchange(head.getBytes(StandardCharsets.US_ASCII));
  }

  /** Closes the socket; safe from any thread, and an exchange blocked on it fails. */
  @Override
  public void close() {
    closed = true;
    dropSocket();
  }

  private void open() throws IOException {
    if (closed) {
      throw new IOException("connection closed");
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(timeoutMillis);
      s.connect(target.address(), timeoutMillis);
      in = s.getInputStream();
      out = s.getOutputStream();
    } catch (IOException e) {
      s.close();
      throw e;
    }
    pos = 0;
    limit = 0;
    connects++;
    socket = s;
    if (closed) {
      // close() ran while this was connecting.
      dropSocket();
      throw new IOException("connection closed");
    }
  }

  private void dropSocket() {
    Socket s = socket;
    socket = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
    }
  }

  private Reply readReply() throws IOException {
    String statusLine;
    int status;
    do {
      statusLine = readLine();
      status = parseStatus(statusLine);
      // A 1xx answer (100 Continue) is followed by the real one.
    } while (status >= 100 && status < 200 && skipHeaders());
    long contentLength = -1;
    boolean chunked = false;
    boolean closeAfter = statusLine.startsWith("HTTP/1.0");
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line '" + line + "'");
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> contentLength = parseLength(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> closeAfter = value.equalsIgnoreCase("close");
        default -> {
          // not needed to frame the body
        }
      }
    }
    boolean keepText = status != 200;
    long length;
    if (chunked) {
      length = readChunked(keepText);
    } else if (contentLength >= 0) {
      length = readBody(contentLength, keepText, 0);
    } else {
      // No framing: the body runs to the end of the connection.
      length = readToEnd(keepText);
      closeAfter = true;
    }
    String text = keepText
        ? new String(errorText, 0, (int) Math.min(length, ERROR_TEXT_BYTES), StandardCharsets.UTF_8)
        : "";
    if (closeAfter) {
      dropSocket();
    }
    return new Reply(status, length, text);
  }

  private boolean skipHeaders() throws IOException {
    while (!readLine().isEmpty()) {
      // headers of an interim answer
    }
    return true;
  }

  private static int parseStatus(String line) throws IOException {
    // "HTTP/1.1 200 OK"
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new IOException("not an HTTP/1.x status line: '" + line + "'");
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("bad status code in '" + line + "'");
    }
  }

  private static long parseLength(String value) throws IOException {
    try {
      long n = Long.parseLong(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException("bad Content-Length '" + value + "'");
  }

  /** Consumes {@code n} body bytes; {@code offset} is how many came before (for the error text). */
  private long readBody(long n, boolean keepText, long offset) throws IOException {
    long left = n;
    long at = offset;
    while (left > 0) {
      if (pos == limit && fill() < 0) {
        throw new EOFException("connection closed with " + left + " body bytes still to come");
      }
      int take = (int) Math.min(left, limit - pos);
      if (keepText && at < ERROR_TEXT_BYTES) {
        System.arraycopy(buf, pos, errorText, (int) at, (int) Math.min(take, ERROR_TEXT_BYTES - at));
      }
      pos += take;
      left -= take;
      at += take;
    }
    return n;
  }

  private long readChunked(boolean keepText) throws IOException {
    long total = 0;
    while (true) {
      String sizeLine = readLine();
      int semi = sizeLine.indexOf(';');
      String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size '" + sizeLine + "'");
      }
      if (size == 0) {
        // Trailers, up to the empty line.
        while (!readLine().isEmpty()) {
          // ignored
        }
        return total;
      }
      total += readBody(size, keepText, total);
      if (!readLine().isEmpty()) {
        throw new IOException("chunk not followed by CRLF");
      }
    }
  }

  private long readToEnd(boolean keepText) throws IOException {
    long total = 0;
    while (true) {
      if (pos == limit && fill() < 0) {
        return total;
      }
      total += readBody(limit - pos, keepText, total);
    }
  }

  /** One line without its CRLF (or bare LF), ASCII. */
  private String readLine() throws IOException {
    int start = pos;
    while (true) {
      for (int i = start; i < limit; i++) {
        if (buf[i] == '\n') {
          int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
          String line = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
          pos = i + 1;
          return line;
        }
      }
      if (limit - pos >= MAX_LINE) {
        throw new IOException("header line longer than " + MAX_LINE + " bytes");
      }
      start = limit - pos;
      if (fill() < 0) {
        throw new EOFException("connection closed by the server before a full response");
      }
      start += pos;
    }
  }

  /** Moves unread bytes to the front and reads more; -1 at end of stream. */
  private int fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n > 0) {
      limit += n;
    }
    return n;
  }
}
