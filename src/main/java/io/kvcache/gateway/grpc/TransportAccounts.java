package io.kvcache.gateway.grpc;

/**
 * What all connections of a node share: the budget of request bytes they may hold unprocessed, and the backlog of
 * reply bytes they have queued. One per node, given to every connection.
 *
 * <p>Thread-safe (both parts are).
 */
public record TransportAccounts(BufferBudget requests, ReplyBacklog replies) {}
