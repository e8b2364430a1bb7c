package io.kvcache.replica;

import java.util.List;

/**
 * A copy, move or promotion of one object's replica: the client doing it, when it started, the (pinned) source, the
 * invisible targets and the pin. At most one per object ({@link ShardState#tasks}).
 */
public record ReplicationTask(boolean move, long client, long startMs, Replica source, List<MemoryReplica> targets,
                              long pinId) {}
