package io.kvcache.replica;

import java.util.Map;

/**
 * What one shard offers an eviction round (reference §3, phase 1 census), in objects:
 *
 * @param base objects that are not hard-pinned and have an evictable memory replica (the round's unit of account)
 * @param candidates ungrouped objects evictable now: lease expired, not soft-pinned
 * @param oldest lease deadlines of the oldest candidates, ascending (as many as the round asked for)
 * @param softCandidates ungrouped soft-pinned objects evictable if the config allows it
 * @param oldestSoft their oldest deadlines, ascending
 * @param groups per group with evictable members here: how many (the group's lease is global, in {@link Groups})
 */
public record ShardCensus(long base, long candidates, long[] oldest, long softCandidates, long[] oldestSoft,
                          Map<Groups.Group, Integer> groups) {}
