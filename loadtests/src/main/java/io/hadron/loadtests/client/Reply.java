package io.hadron.loadtests.client;

/**
 * What came back for one request: the status, the body's length, and for anything but 200 the
 * start of the body (servers explain errors there).
 *
 * <p>Immutable.
 *
 * @param status the HTTP status code
 * @param bodyLength bytes of body received
 * @param errorText up to {@link Http1Connection#ERROR_TEXT_BYTES} bytes of the body when the status
 *     is not 200, else empty
 */
public record Reply(int status, long bodyLength, String errorText) {}
