package io.kvcache.replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the shards' censuses into one global choice: the {@code count} candidates with the oldest lease deadlines across
 * all shards (the reference's nth_element over the whole master), as a quota of oldest ungrouped objects per shard plus
 * whole groups. A group counts as all its evictable members and enters at its group lease deadline; taking it may
 * overshoot the count, as evicting a group whole requires.
 *
 * <p>Stateless and thread-safe.
 */
public final class EvictionPlanner {
  private EvictionPlanner() {}

  /** Per-shard quotas and the groups to evict whole; {@code planned} objects in total. */
  public record Plan(int[] quota, Set<Groups.Group> groups, long planned) {
    static Plan empty(int shards) {
      return new Plan(new int[shards], Set.of(), 0);
    }
  }

  /** Plans over the ungrouped candidates ({@code soft} selects the soft-pinned list) and, unless soft, the groups. */
  public static Plan plan(List<ShardCensus> census, long count, boolean soft) {
    int shards = census.size();
    if (count <= 0) {
      return Plan.empty(shards);
    }
    List<long[]> units = new ArrayList<>(); // {deadline, shard or -1 for a group, weight, group index}
    List<Groups.Group> groupList = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      for (long deadline : soft ? census.get(s).oldestSoft() : census.get(s).oldest()) {
        units.add(new long[] {deadline, s, 1, -1});
      }
    }
    if (!soft) {
      Map<Groups.Group, Integer> members = new HashMap<>();
      for (ShardCensus c : census) {
        c.groups().forEach((g, n) -> members.merge(g, n, Integer::sum));
      }
      for (Map.Entry<Groups.Group, Integer> g : members.entrySet()) {
        units.add(new long[] {g.getKey().leaseDeadlineMs(), -1, g.getValue(), groupList.size()});
        groupList.add(g.getKey());
      }
    }
    // Oldest first; on equal deadlines lower shards first, so the choice is deterministic.
    units.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    int[] quota = new int[shards];
    Set<Groups.Group> groups = new HashSet<>();
    long planned = 0;
    for (long[] unit : units) {
      if (planned >= count) {
        break;
      }
      if (unit[1] >= 0) {
        quota[(int) unit[1]]++;
      } else {
        groups.add(groupList.get((int) unit[3]));
      }
      planned += unit[2];
    }
    return new Plan(quota, groups, planned);
  }

  /** Sum of a per-shard field. */
  static long total(List<ShardCensus> census, java.util.function.ToLongFunction<ShardCensus> field) {
    return census.stream().mapToLong(field).sum();
  }

  /** Evictable members of all groups in the census. */
  static long groupMembers(List<ShardCensus> census) {
    return census.stream().flatMap(c -> c.groups().values().stream()).mapToLong(Integer::longValue).sum();
  }
}
