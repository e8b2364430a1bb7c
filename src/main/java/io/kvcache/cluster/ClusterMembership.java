package io.kvcache.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.splitbrainprotection.SplitBrainProtection;

import java.util.UUID;
import java.util.function.Consumer;

/**
 * One membership truth for the node, from Hazelcast: who is in this node's cluster now (by Vert.x node id), whether
 * this side of a split holds the configured quorum, when a node leaves, and when this node merges back after a split.
 * Vert.x's own node listener slot is taken by its HA manager, so this listens to Hazelcast directly and maps members to
 * Vert.x node ids through the attribute vertx-hazelcast sets.
 *
 * <p>Thread-safe (reads Hazelcast's member list, which it keeps current). Listener callbacks arrive on Hazelcast
 * threads; consumers must hop to their own context.
 */
public final class ClusterMembership {
  /** The member attribute holding the Vert.x node id (vertx-hazelcast's HazelcastClusterManager.NODE_ID_ATTRIBUTE). */
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  /** Name of the split-brain protection the cluster setup configures when the quorum is above 1. */
  public static final String QUORUM = "kv-quorum";

  private final HazelcastInstance hazelcast;
  private final int quorum;

  /** @param quorum members this side of a split needs to take or keep the master lease (1: no protection) */
  public ClusterMembership(HazelcastInstance hazelcast, int quorum) {
    this.hazelcast = hazelcast;
    this.quorum = quorum;
  }

  /** True if a member of this node's cluster carries that Vert.x node id. */
  public boolean isMember(String nodeId) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return false;
    }
    for (Member m : hazelcast.getCluster().getMembers()) {
      if (nodeId.equals(m.getAttribute(VERTX_NODE_ID_ATTRIBUTE))) {
        return true;
      }
    }
    return false;
  }

  public int size() {
    return hazelcast.getLifecycleService().isRunning() ? hazelcast.getCluster().getMembers().size() : 0;
  }

  public int quorum() {
    return quorum;
  }

  /** True if this side of the cluster holds the quorum (always, without split-brain protection). */
  public boolean hasQuorum() {
    if (quorum <= 1) {
      return true;
    }
    if (size() < quorum) {
      return false;
    }
    SplitBrainProtection protection = hazelcast.getSplitBrainProtectionService().getSplitBrainProtection(QUORUM);
    return protection.hasMinimumSize();
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

  /**
   * Calls {@code merging} when this node starts merging into another side after a split (it is about to lose its
   * data and rejoin) and {@code merged} once it is one cluster with it again.
   */
  public Runnable onMerge(Runnable merging, Runnable merged) {
    UUID registration = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
        merging.run();
      } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        merged.run();
      }
    });
    return () -> {
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getLifecycleService().removeLifecycleListener(registration);
      }
    };
  }
}
