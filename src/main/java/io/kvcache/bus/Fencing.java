package io.kvcache.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * The fencing term on the wire: every request to the master and every answer from it carries, in event-bus headers,
 * the highest master term its sender knows (and the sender's node id). A master refuses a request that knows a higher
 * term than its own (it has been replaced); a node refuses an answer of a lower term than it knows (it comes from a
 * replaced master); a storage node refuses a write granted under a lower term. Every refusal is counted.
 *
 * <p>Stateless and thread-safe.
 */
public final class Fencing {
  private Fencing() {}

  public static final String TERM = "kv-term";
  public static final String NODE = "kv-node";

  /** {@code base} with the sender's term and node id added (a copy: {@code base} is shared). */
  public static DeliveryOptions stamped(DeliveryOptions base, long term, String nodeId) {
    return new DeliveryOptions(base).addHeader(TERM, Long.toString(term)).addHeader(NODE, nodeId);
  }

  /** Options for an answer of the master of {@code term} on node {@code nodeId}. */
  public static DeliveryOptions reply(long term, String nodeId) {
    return new DeliveryOptions().addHeader(TERM, Long.toString(term)).addHeader(NODE, nodeId);
  }

  /** The term a message carries; 0 if none (or not a number: a header is not trusted to parse). */
  public static long term(Message<?> message) {
    return termOf(message.headers());
  }

  static long termOf(MultiMap headers) {
    String t = headers == null ? null : headers.get(TERM);
    if (t == null || t.isEmpty() || t.length() > 19) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(t));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The sender's node id; empty if none. */
  public static String node(Message<?> message) {
    String n = message.headers() == null ? null : message.headers().get(NODE);
    return n == null ? "" : n;
  }
}
