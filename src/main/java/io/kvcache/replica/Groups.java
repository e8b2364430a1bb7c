package io.kvcache.replica;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Object groups of a master (e.g. a KV block and its indexer block): members are evicted together and a read lease on
 * any member protects them all. Members live in the shards their keys hash to, so the group's lease and membership are
 * kept here, shared by every shard of the master.
 *
 * <p>Thread-safe: a concurrent map of groups whose state is atomics.
 */
public final class Groups {
  /** One group: its id, how many objects belong to it, and the latest read-lease deadline granted to any member. */
  public static final class Group {
    final String id;
    final AtomicInteger members = new AtomicInteger();
    final AtomicLong leaseDeadlineMs = new AtomicLong();

    Group(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public int members() {
      return members.get();
    }

    public boolean hasLease(long nowMs) {
      return leaseDeadlineMs.get() > nowMs;
    }

    public long leaseDeadlineMs() {
      return leaseDeadlineMs.get();
    }

    void extendLease(long deadlineMs) {
      leaseDeadlineMs.accumulateAndGet(deadlineMs, Math::max);
    }
  }

  private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();

  /** Adds one member to group {@code id} (creating it). */
  public Group join(String id) {
    return groups.compute(id, (k, g) -> {
      Group group = g != null ? g : new Group(k);
      group.members.incrementAndGet();
      return group;
    });
  }

  /** Removes one member; the group disappears with its last member. */
  public void leave(Group group) {
    groups.computeIfPresent(group.id, (k, g) -> g.members.decrementAndGet() == 0 ? null : g);
  }

  public Group get(String id) {
    return groups.get(id);
  }

  public int count() {
    return groups.size();
  }
}
