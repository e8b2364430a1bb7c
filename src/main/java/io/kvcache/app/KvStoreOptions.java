package io.kvcache.app;

import io.kvcache.cluster.ClusterOptions;
import io.kvcache.gateway.GatewayOptions;
import io.kvcache.gateway.ShmOptions;
import io.kvcache.gateway.grpc.TransportLimits;
import io.kvcache.master.MasterOptions;
import io.kvcache.replica.OffloadSettings;
import io.kvcache.replica.ShardSettings;
import io.kvcache.ssd.bucket.BucketStoreOptions;
import io.kvcache.ssd.bucket.EvictionPolicy;
import io.kvcache.storage.SsdOptions;
import io.kvcache.storage.StorageOptions;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.kvcache.app.ConfigSchema.*;

/**
 * A node's validated configuration, one record per role: each role's objects receive their own part and nothing else.
 * Built from the flat key/value map {@link ConfigLoader} resolved against {@link ConfigSchema}; rules that span keys
 * are checked here, with the key named in the message.
 */
public record KvStoreOptions(NodeOptions node, ClusterOptions cluster, GatewayOptions gateway, MasterOptions master,
                             StorageOptions storage) {

  /** Largest replica_num a put may ask for: far above any cluster's segment count, small enough to bound work. */
  public static final int MAX_REPLICAS = 64;

  public boolean has(Role role) {
    return node.has(role);
  }

  /** Builds the records from resolved values keyed by config key name (all keys present). */
  static KvStoreOptions from(Map<String, Object> v) {
    checkCrossKeyRules(v);
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (Object name : (List<?>) v.get(ROLES.name())) {
      roles.add(Role.of((String) name));
    }
    String nodeName = (String) v.get(NODE_NAME.name());
    if (nodeName.isEmpty()) {
      nodeName = v.get(GRPC_HOST.name()) + ":" + v.get(GRPC_PORT.name());
    }
    NodeOptions node = new NodeOptions(nodeName, roles, i(v, EVENT_LOOP_THREADS), s(v, METRICS_HOST),
        i(v, METRICS_PORT));
    @SuppressWarnings("unchecked") List<String> members = (List<String>) v.get(CLUSTER_MEMBERS.name());
    ClusterOptions cluster = new ClusterOptions(s(v, CLUSTER_NAME), s(v, CLUSTER_HOST), i(v, CLUSTER_PORT), members,
        i(v, CLUSTER_BUS_PORT), l(v, CLUSTER_HEARTBEAT_TIMEOUT_MS), l(v, REQUEST_TIMEOUT_MS), i(v, CLUSTER_QUORUM),
        l(v, MASTER_LEASE_MS), l(v, MASTER_FAILOVER_WAIT_MS), i(v, CLUSTER_DATA_PORT));
    String uds = s(v, GRPC_UDS_PATH);
    GatewayOptions gateway = new GatewayOptions(s(v, GRPC_HOST), i(v, GRPC_PORT), i(v, GATEWAY_INSTANCES),
        l(v, MAX_VALUE_SIZE), i(v, MAX_KEY_SIZE), i(v, MAX_BATCH_SIZE), i(v, PUT_FULL_RETRIES), b(v, PROMOTION_ON_HIT),
        uds.isEmpty() ? null : Path.of(uds).toAbsolutePath().normalize(),
        new ShmOptions(Path.of(s(v, SHM_DIR)).toAbsolutePath().normalize(), l(v, SHM_BUFFER_MAX_BYTES),
            i(v, SHM_BUFFERS_PER_CONNECTION)),
        TransportLimits.of(i(v, GRPC_MAX_CONCURRENT_STREAMS), GatewayOptions.maxMessageSize(l(v, MAX_VALUE_SIZE)),
            l(v, GRPC_IDLE_TIMEOUT_MS), l(v, GRPC_MESSAGE_TIMEOUT_MS)));
    ShardSettings shard = new ShardSettings(l(v, LEASE_TTL_MS), l(v, PUT_START_DISCARD_TIMEOUT_MS),
        l(v, PUT_START_RELEASE_TIMEOUT_MS), l(v, SOFT_PIN_DEFAULT_TTL_MS), l(v, SOFT_PIN_MAX_TTL_MS),
        l(v, MAX_VALUE_SIZE), MAX_REPLICAS);
    // Per round, offload-on-evict queues at most half the queue limit (the reference's cap).
    OffloadSettings offload = new OffloadSettings(b(v, ENABLE_OFFLOAD), b(v, OFFLOAD_ON_EVICT),
        b(v, OFFLOAD_FORCE_EVICT), Math.max(1, i(v, OFFLOAD_QUEUE_LIMIT) / 2));
    MasterOptions master = new MasterOptions(i(v, REPLICA_SHARDS), s(v, ALLOCATION_STRATEGY), shard, offload,
        i(v, OFFLOAD_QUEUE_LIMIT), d(v, EVICTION_HIGH_WATERMARK), d(v, EVICTION_RATIO), b(v, ALLOW_EVICT_SOFT_PINNED),
        l(v, EVICTION_CHECK_INTERVAL_MS), l(v, CLIENT_LIVE_TTL_MS), l(v, REGEX_REMOVAL_BUDGET_MS),
        l(v, MASTER_LEASE_MS), b(v, MASTER_STANDBY));
    SsdOptions ssd = !b(v, ENABLE_OFFLOAD) ? null : new SsdOptions(
        new BucketStoreOptions(Path.of(s(v, SSD_DIR)), i(v, SSD_BUCKET_KEYS), l(v, SSD_BUCKET_BYTES),
            l(v, SSD_CAPACITY), d(v, SSD_HIGH_WATERMARK), d(v, SSD_LOW_WATERMARK),
            EvictionPolicy.valueOf(s(v, SSD_EVICTION_POLICY).toUpperCase(Locale.ROOT)), i(v, MAX_KEY_SIZE)),
        b(v, USE_URING), i(v, URING_QUEUE_DEPTH), i(v, SSD_IO_THREADS), l(v, LOAD_BUFFER_SIZE),
        l(v, LOAD_BUFFER_GC_TTL_MS));
    StorageOptions storage = new StorageOptions(l(v, SEGMENT_SIZE), l(v, HEARTBEAT_INTERVAL_MS),
        l(v, GRACEFUL_UNMOUNT_GRACE_MS), ssd);
    return new KvStoreOptions(node, cluster, gateway, master, storage);
  }

  private static void checkCrossKeyRules(Map<String, Object> v) {
    if (((List<?>) v.get(ROLES.name())).isEmpty()) {
      throw new ConfigException("config key 'roles': a node needs at least one role");
    }
    if (l(v, PUT_START_RELEASE_TIMEOUT_MS) <= l(v, PUT_START_DISCARD_TIMEOUT_MS)) {
      throw new ConfigException("config key 'put_start_release_timeout_ms': must exceed put_start_discard_timeout_ms ("
          + l(v, PUT_START_DISCARD_TIMEOUT_MS) + ")");
    }
    if (l(v, SOFT_PIN_DEFAULT_TTL_MS) > l(v, SOFT_PIN_MAX_TTL_MS)) {
      throw new ConfigException("config key 'soft_pin_default_ttl_ms': exceeds soft_pin_max_ttl_ms ("
          + l(v, SOFT_PIN_MAX_TTL_MS) + ")");
    }
    if (l(v, SSD_BUCKET_BYTES) % 4096 != 0) {
      throw new ConfigException("config key 'ssd_bucket_bytes': must be a multiple of 4096, got "
          + l(v, SSD_BUCKET_BYTES));
    }
    if (d(v, SSD_LOW_WATERMARK) > d(v, SSD_HIGH_WATERMARK)) {
      throw new ConfigException("config key 'ssd_low_watermark': must not exceed ssd_high_watermark");
    }
    if (l(v, LOAD_BUFFER_SIZE) % 4096 != 0) {
      throw new ConfigException("config key 'load_buffer_size': must be a multiple of 4096, got "
          + l(v, LOAD_BUFFER_SIZE));
    }
    if ((b(v, OFFLOAD_ON_EVICT) || b(v, OFFLOAD_FORCE_EVICT)) && !b(v, ENABLE_OFFLOAD)) {
      throw new ConfigException("config key 'offload_on_evict': requires enable_offload");
    }
    if (b(v, OFFLOAD_FORCE_EVICT) && !b(v, OFFLOAD_ON_EVICT)) {
      throw new ConfigException("config key 'offload_force_evict': only applies with offload_on_evict");
    }
    if (l(v, CLIENT_LIVE_TTL_MS) <= l(v, HEARTBEAT_INTERVAL_MS)) {
      throw new ConfigException("config key 'client_live_ttl_ms': must exceed heartbeat_interval_ms ("
          + l(v, HEARTBEAT_INTERVAL_MS) + ")");
    }
    for (Object member : (List<?>) v.get(CLUSTER_MEMBERS.name())) {
      String m = (String) member;
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || !m.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new ConfigException("config key 'cluster_members': '" + m + "' is not host:port");
      }
    }
  }

  private static String s(Map<String, Object> v, ConfigKey key) {
    return (String) v.get(key.name());
  }

  private static int i(Map<String, Object> v, ConfigKey key) {
    return (int) v.get(key.name());
  }

  private static long l(Map<String, Object> v, ConfigKey key) {
    return (long) v.get(key.name());
  }

  private static double d(Map<String, Object> v, ConfigKey key) {
    return (double) v.get(key.name());
  }

  private static boolean b(Map<String, Object> v, ConfigKey key) {
    return (boolean) v.get(key.name());
  }
}
