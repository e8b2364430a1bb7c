package io.kvcache.app;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kvcache.app.ConfigSchema.*;

/**
 * A node's validated configuration: one typed record built from the values {@link ConfigLoader} resolved against
 * {@link ConfigSchema}. Immutable; cross-key rules are checked in the compact constructor.
 */
public record KvStoreOptions(
    String nodeName, Set<Role> roles, int eventLoopThreads,
    String grpcHost, int grpcPort, int gatewayInstances, String metricsHost, int metricsPort,
    String clusterName, String clusterHost, int clusterPort, List<String> clusterMembers, int clusterBusPort,
    long clusterHeartbeatTimeoutMs,
    long segmentSize, long maxValueSize, int maxKeySize, int maxBatchSize, long requestTimeoutMs,
    int replicaShards, String allocationStrategy, long leaseTtlMs, long putStartDiscardTimeoutMs,
    long putStartReleaseTimeoutMs, long softPinDefaultTtlMs, long softPinMaxTtlMs,
    double evictionHighWatermark, double evictionRatio, boolean allowEvictSoftPinned, long evictionCheckIntervalMs,
    int putFullRetries, long heartbeatIntervalMs, long clientLiveTtlMs, long gracefulUnmountGraceMs,
    boolean enableOffload, boolean offloadOnEvict, boolean offloadForceEvict, int offloadQueueLimit,
    String ssdDir, long ssdCapacity, int ssdBucketKeys, long ssdBucketBytes, String ssdEvictionPolicy,
    double ssdHighWatermark, double ssdLowWatermark, boolean useUring, int uringQueueDepth, int ssdIoThreads,
    long loadBufferSize, long loadBufferGcTtlMs, boolean promotionOnHit) {

  public KvStoreOptions {
    roles = Set.copyOf(roles);
    clusterMembers = List.copyOf(clusterMembers);
    if (roles.isEmpty()) {
      throw new ConfigException("config key 'roles': a node needs at least one role");
    }
    if (putStartReleaseTimeoutMs <= putStartDiscardTimeoutMs) {
      throw new ConfigException("config key 'put_start_release_timeout_ms': must exceed put_start_discard_timeout_ms ("
          + putStartDiscardTimeoutMs + ")");
    }
    if (softPinDefaultTtlMs > softPinMaxTtlMs) {
      throw new ConfigException("config key 'soft_pin_default_ttl_ms': exceeds soft_pin_max_ttl_ms (" + softPinMaxTtlMs
          + ")");
    }
    if (ssdBucketBytes % 4096 != 0) {
      throw new ConfigException("config key 'ssd_bucket_bytes': must be a multiple of 4096, got " + ssdBucketBytes);
    }
    if (ssdLowWatermark > ssdHighWatermark) {
      throw new ConfigException("config key 'ssd_low_watermark': must not exceed ssd_high_watermark");
    }
    if (loadBufferSize % 4096 != 0) {
      throw new ConfigException("config key 'load_buffer_size': must be a multiple of 4096, got " + loadBufferSize);
    }
    if ((offloadOnEvict || offloadForceEvict) && !enableOffload) {
      throw new ConfigException("config key 'offload_on_evict': requires enable_offload");
    }
    if (offloadForceEvict && !offloadOnEvict) {
      throw new ConfigException("config key 'offload_force_evict': only applies with offload_on_evict");
    }
    if (clientLiveTtlMs <= heartbeatIntervalMs) {
      throw new ConfigException("config key 'client_live_ttl_ms': must exceed heartbeat_interval_ms ("
          + heartbeatIntervalMs + ")");
    }
    for (String member : clusterMembers) {
      int colon = member.lastIndexOf(':');
      if (colon <= 0 || !member.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new ConfigException("config key 'cluster_members': '" + member + "' is not host:port");
      }
    }
  }

  /** Builds the record from resolved values keyed by config key name (all keys present). */
  static KvStoreOptions from(Map<String, Object> v) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (Object name : (List<?>) v.get(ROLES.name())) {
      roles.add(Role.of((String) name));
    }
    String nodeName = (String) v.get(NODE_NAME.name());
    if (nodeName.isEmpty()) {
      nodeName = v.get(GRPC_HOST.name()) + ":" + v.get(GRPC_PORT.name());
    }
    @SuppressWarnings("unchecked") List<String> members = (List<String>) v.get(CLUSTER_MEMBERS.name());
    return new KvStoreOptions(
        nodeName, roles, (int) v.get(EVENT_LOOP_THREADS.name()),
        (String) v.get(GRPC_HOST.name()), (int) v.get(GRPC_PORT.name()), (int) v.get(GATEWAY_INSTANCES.name()),
        (String) v.get(METRICS_HOST.name()), (int) v.get(METRICS_PORT.name()),
        (String) v.get(CLUSTER_NAME.name()), (String) v.get(CLUSTER_HOST.name()), (int) v.get(CLUSTER_PORT.name()),
        members, (int) v.get(CLUSTER_BUS_PORT.name()), (long) v.get(CLUSTER_HEARTBEAT_TIMEOUT_MS.name()),
        (long) v.get(SEGMENT_SIZE.name()), (long) v.get(MAX_VALUE_SIZE.name()), (int) v.get(MAX_KEY_SIZE.name()),
        (int) v.get(MAX_BATCH_SIZE.name()), (long) v.get(REQUEST_TIMEOUT_MS.name()),
        (int) v.get(REPLICA_SHARDS.name()), (String) v.get(ALLOCATION_STRATEGY.name()), (long) v.get(LEASE_TTL_MS.name()),
        (long) v.get(PUT_START_DISCARD_TIMEOUT_MS.name()), (long) v.get(PUT_START_RELEASE_TIMEOUT_MS.name()),
        (long) v.get(SOFT_PIN_DEFAULT_TTL_MS.name()), (long) v.get(SOFT_PIN_MAX_TTL_MS.name()),
        (double) v.get(EVICTION_HIGH_WATERMARK.name()), (double) v.get(EVICTION_RATIO.name()),
        (boolean) v.get(ALLOW_EVICT_SOFT_PINNED.name()), (long) v.get(EVICTION_CHECK_INTERVAL_MS.name()),
        (int) v.get(PUT_FULL_RETRIES.name()), (long) v.get(HEARTBEAT_INTERVAL_MS.name()),
        (long) v.get(CLIENT_LIVE_TTL_MS.name()), (long) v.get(GRACEFUL_UNMOUNT_GRACE_MS.name()),
        (boolean) v.get(ENABLE_OFFLOAD.name()), (boolean) v.get(OFFLOAD_ON_EVICT.name()),
        (boolean) v.get(OFFLOAD_FORCE_EVICT.name()), (int) v.get(OFFLOAD_QUEUE_LIMIT.name()),
        (String) v.get(SSD_DIR.name()), (long) v.get(SSD_CAPACITY.name()), (int) v.get(SSD_BUCKET_KEYS.name()),
        (long) v.get(SSD_BUCKET_BYTES.name()), (String) v.get(SSD_EVICTION_POLICY.name()),
        (double) v.get(SSD_HIGH_WATERMARK.name()), (double) v.get(SSD_LOW_WATERMARK.name()),
        (boolean) v.get(USE_URING.name()), (int) v.get(URING_QUEUE_DEPTH.name()), (int) v.get(SSD_IO_THREADS.name()),
        (long) v.get(LOAD_BUFFER_SIZE.name()), (long) v.get(LOAD_BUFFER_GC_TTL_MS.name()),
        (boolean) v.get(PROMOTION_ON_HIT.name()));
  }

  /** The master's offload mode; per round offload-on-evict queues at most half the queue limit (the reference's cap). */
  public io.kvcache.replica.OffloadSettings offloadSettings() {
    return new io.kvcache.replica.OffloadSettings(enableOffload, offloadOnEvict, offloadForceEvict,
        Math.max(1, offloadQueueLimit / 2));
  }

  /** The storage node's bucket store settings. */
  public io.kvcache.ssd.bucket.BucketStoreOptions bucketStoreOptions() {
    return new io.kvcache.ssd.bucket.BucketStoreOptions(java.nio.file.Path.of(ssdDir), ssdBucketKeys, ssdBucketBytes,
        ssdCapacity, ssdHighWatermark, ssdLowWatermark,
        io.kvcache.ssd.bucket.EvictionPolicy.valueOf(ssdEvictionPolicy.toUpperCase(java.util.Locale.ROOT)), maxKeySize);
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** gRPC message limit on both sides: the largest value plus room for the other fields. */
  public long grpcMaxMessageSize() {
    return maxValueSize + (1 << 20);
  }
}
