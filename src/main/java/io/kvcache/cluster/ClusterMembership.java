package io.kvcache.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;

import java.util.UUID;
import java.util.function.Consumer;

/**
 * Tells the master when a node leaves the cluster. Vert.x's own node listener slot is taken by its HA manager, so this
 * listens to Hazelcast directly and maps members to Vert.x node ids through the attribute vertx-hazelcast sets.
 *
 * <p>Listener callbacks arrive on Hazelcast threads; consumers must hop to their own context.
 */
public final class ClusterMembership {
  /** The member attribute holding the Vert.x node id (vertx-hazelcast's HazelcastClusterManager.NODE_ID_ATTRIBUTE). */
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final HazelcastInstance hazelcast;

  public ClusterMembership(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** Calls {@code onLeft} with the Vert.x node id of every member that leaves; returns a handle to stop listening. */
  public Runnable onNodeLeft(Consumer<String> onLeft) {
    UUID registration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        String nodeId = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
        if (nodeId != null) {
          onLeft.accept(nodeId);
        }
      }
    });
    return () -> {
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getCluster().removeMembershipListener(registration);
      }
    };
  }
}
