package io.kvcache.gateway.grpc;

/**
 * What all gRPC connections of a node together may hold, each connection drawing on it through budgets of its own:
 * request bytes received and not yet processed, and response bytes queued and not yet written to the socket (a
 * client that stops reading leaves its replies queued).
 *
 * <p>Thread-safe ({@link BufferBudget} is).
 */
public record NodeBudgets(BufferBudget requestBytes, BufferBudget responseBytes) {
  /** Each budget: at least 1 GiB, and room for four of the largest messages. */
  public static NodeBudgets of(long maxMessageSize) {
    long cap = Math.max(1L << 30, 4 * maxMessageSize);
    return new NodeBudgets(new BufferBudget(cap, null), new BufferBudget(cap, null));
  }
}
