package io.kvcache.master;

import io.kvcache.replica.OffloadSettings;
import io.kvcache.replica.ShardSettings;

/**
 * The master role.
 *
 * @param shards metadata shards (each behind its own lock)
 * @param allocationStrategy how replicas are placed on segments (random, free_ratio_first, fragmentation_aware)
 * @param shard the shards' timeouts, leases, pins and limits
 * @param offload how objects are offloaded to the storage nodes' SSDs
 * @param offloadQueueLimit objects waiting for one node's SSD
 * @param evictionHighWatermark eviction starts above this share of DRAM in use
 * @param evictionRatio share of evictable objects a round evicts
 * @param allowEvictSoftPinned soft-pinned objects may be evicted, last
 * @param evictionCheckIntervalMs how often the master checks whether to evict
 * @param clientLiveTtlMs a storage node silent this long loses its segments
 * @param regexRemovalBudgetMs longest a RemoveByRegex may scan and match before it is refused
 * @param leaseMs the master lease: a master that cannot renew it stops serving, and a successor takes over, after this
 * @param standby whether the active master streams its changes to standbys (hot standby) and a master-role node that
 *     is not active follows it; off, a successor starts empty
 */
public record MasterOptions(int shards, String allocationStrategy, ShardSettings shard, OffloadSettings offload,
                            int offloadQueueLimit, double evictionHighWatermark, double evictionRatio,
                            boolean allowEvictSoftPinned, long evictionCheckIntervalMs, long clientLiveTtlMs,
                            long regexRemovalBudgetMs, long leaseMs, boolean standby) {}
