package io.kvcache.cluster;

import java.util.List;

/**
 * How a node joins its cluster and talks to the other nodes.
 *
 * @param name Hazelcast cluster name: nodes join only clusters of the same name
 * @param host address Hazelcast and the event bus bind to and advertise
 * @param port Hazelcast member port (0: any free port)
 * @param members host:port of the members to join (TCP-IP join)
 * @param busPort event-bus TCP port (0: any free port)
 * @param heartbeatTimeoutMs Hazelcast drops a member silent this long
 * @param requestTimeoutMs timeout of every event-bus request between nodes' verticles (and of a node-to-node data
 *        request)
 * @param quorum members one side of a split needs to elect or keep a master (1: no split-brain protection)
 * @param masterLeaseMs how long the master lease lasts without renewal (a dead master's successor takes over after it)
 * @param masterWaitMs how long a call to the master waits (asking again) while no master answers
 * @param dataPort port a storage node serves its segment's bytes to the other nodes on (0: any free port)
 */
public record ClusterOptions(String name, String host, int port, List<String> members, int busPort,
                             long heartbeatTimeoutMs, long requestTimeoutMs, int quorum, long masterLeaseMs,
                             long masterWaitMs, int dataPort) {
  public ClusterOptions {
    members = List.copyOf(members);
  }
}
