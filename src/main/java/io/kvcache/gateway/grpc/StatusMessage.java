package io.kvcache.gateway.grpc;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The {@code grpc-message} of a status, percent-encoded and bounded: a refusal may quote what the client sent (a path,
 * a content type, an encoding), and a client drops response headers past its limit (8 KiB by default in gRPC's
 * implementations) together with the status they carry, so an unbounded message would turn a clear refusal into a bare
 * reset. Cut between characters, never inside one, and marked with "...".
 *
 * <p>Stateless and thread-safe.
 */
final class StatusMessage {
  /** Longest encoded message sent: with the other trailers, far below any client's header limit. */
  static final int MAX_ENCODED_CHARS = 1024;
  private static final String CUT = "...";

  private StatusMessage() {}

  /** {@code message} percent-encoded (UTF-8; a space as %20), at most {@link #MAX_ENCODED_CHARS} chars. */
  static String encode(String message) {
    String whole = percentEncode(message);
    if (whole.length() <= MAX_ENCODED_CHARS) {
      return whole;
    }
    StringBuilder out = new StringBuilder(MAX_ENCODED_CHARS);
    for (int i = 0; i < message.length(); ) {
      int n = Character.charCount(message.codePointAt(i));
      String piece = percentEncode(message.substring(i, i + n));
      if (out.length() + piece.length() > MAX_ENCODED_CHARS - CUT.length()) {
        break;
      }
      out.append(piece);
      i += n;
    }
    return out.append(CUT).toString();
  }

  private static String percentEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
