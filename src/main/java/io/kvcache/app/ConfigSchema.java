package io.kvcache.app;

import io.kvcache.app.ConfigKey.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every configuration key of a node with its default and documentation: the single source for the loader, the
 * environment overrides ({@code KVSTORE_<KEY>}) and the README table (a test keeps the two in step).
 */
public final class ConfigSchema {
  private ConfigSchema() {}

  private static final long KIB = 1024, MIB = KIB * 1024, GIB = MIB * 1024;
  private static final List<ConfigKey> KEYS = new ArrayList<>();

  // --- node and roles
  public static final ConfigKey NODE_NAME = str("node_name", "",
      "Name of this node and of its DRAM segment; empty means grpc_host:grpc_port");
  public static final ConfigKey ROLES = key("roles", Kind.CHOICE_LIST, List.of("master", "storage", "gateway"), 0, 0,
      List.of("master", "storage", "gateway"),
      "Roles this node runs (any number of nodes may run master: one is active, the others are standbys)");
  public static final ConfigKey EVENT_LOOP_THREADS = num("event_loop_threads", Kind.INT, 0, 0, 1024,
      "Vert.x event-loop threads; 0 means 2 x cores");

  // --- endpoints
  public static final ConfigKey GRPC_HOST = str("grpc_host", "127.0.0.1", "gRPC listen address of the gateway");
  public static final ConfigKey GRPC_PORT = num("grpc_port", Kind.INT, 50051, 0, 65535, "gRPC port (0: any free port)");
  public static final ConfigKey GATEWAY_INSTANCES = num("gateway_instances", Kind.INT, 0, 0, 256,
      "GatewayVerticle instances sharing the gRPC port; 0 means one per event loop");
  public static final ConfigKey GRPC_UDS_PATH = str("grpc_uds_path", "data/kvstore.sock",
      "Unix socket of the gRPC endpoint for engines on this host (mode 0600; needs the native transport); empty: none");
  public static final ConfigKey SHM_DIR = str("shm_dir", "/dev/shm",
      "Directory of the shared-memory files same-host clients register (RegisterBuffer)");
  public static final ConfigKey SHM_BUFFER_MAX_BYTES = key("shm_buffer_max_bytes", Kind.BYTES, 256 * GIB, 4096, 1L << 50,
      null, "Largest shared buffer a same-host client may register");
  public static final ConfigKey SHM_BUFFERS_PER_CONNECTION = num("shm_buffers_per_connection", Kind.INT, 16, 1, 4096,
      "Most shared buffers one client connection may have registered at once");
  public static final ConfigKey GRPC_MAX_CONCURRENT_STREAMS = num("grpc_max_concurrent_streams", Kind.INT, 256, 1,
      100_000, "Calls one gRPC connection may have open at once (more are refused with REFUSED_STREAM)");
  public static final ConfigKey GRPC_IDLE_TIMEOUT_MS = num("grpc_idle_timeout_ms", Kind.LONG, 300_000, 100, 86_400_000,
      "A gRPC connection with no open call and no traffic this long is closed");
  public static final ConfigKey GRPC_MESSAGE_TIMEOUT_MS = num("grpc_message_timeout_ms", Kind.LONG, 30_000, 100,
      3_600_000, "A call whose request message stops growing this long is failed (DEADLINE_EXCEEDED); one whose reply "
          + "stops draining this long is reset");
  public static final ConfigKey METRICS_HOST = str("metrics_host", "127.0.0.1", "Address of /metrics and /health");
  public static final ConfigKey METRICS_PORT = num("metrics_port", Kind.INT, 9400, 0, 65535,
      "Port of /metrics and /health (0: any free port)");

  // --- cluster
  public static final ConfigKey CLUSTER_NAME = str("cluster_name", "kvstore",
      "Hazelcast cluster name; nodes join only clusters of the same name");
  public static final ConfigKey CLUSTER_HOST = str("cluster_host", "127.0.0.1",
      "Address Hazelcast and the event bus bind to and advertise");
  public static final ConfigKey CLUSTER_PORT = num("cluster_port", Kind.INT, 5701, 0, 65535,
      "Hazelcast member port (0: any free port)");
  public static final ConfigKey CLUSTER_MEMBERS = key("cluster_members", Kind.STRING_LIST, List.of("127.0.0.1:5701"),
      0, 0, null, "host:port of the Hazelcast members to join (TCP-IP join; multicast is off)");
  public static final ConfigKey CLUSTER_BUS_PORT = num("cluster_bus_port", Kind.INT, 0, 0, 65535,
      "Event-bus TCP port between nodes (0: any free port)");
  public static final ConfigKey CLUSTER_DATA_PORT = num("cluster_data_port", Kind.INT, 0, 0, 65535,
      "TCP port a storage node serves its segment's bytes to the other nodes on (0: any free port)");
  public static final ConfigKey CLUSTER_HEARTBEAT_TIMEOUT_MS = num("cluster_heartbeat_timeout_ms", Kind.LONG, 5000,
      1000, 600_000, "Hazelcast drops a member silent this long (whole seconds)");
  public static final ConfigKey CLUSTER_QUORUM = num("cluster_quorum", Kind.INT, 1, 1, 1024,
      "Members one side of a split needs to elect or keep a master; 1 means no split-brain protection (one node),"
          + " set a majority of the nodes (2 of 3) for a cluster");

  // --- master high availability
  public static final ConfigKey MASTER_LEASE_MS = num("master_lease_ms", Kind.LONG, 2000, 500, 600_000,
      "A master that cannot renew its lease stops serving, and a standby takes over, this long after the last renewal");
  public static final ConfigKey MASTER_STANDBY = flag("master_standby", true,
      "The active master streams its changes to master-role nodes that stand by (hot standby); false: a successor"
          + " starts empty");
  public static final ConfigKey MASTER_FAILOVER_WAIT_MS = num("master_failover_wait_ms", Kind.LONG, 10_000, 0,
      3_600_000, "A call to the master waits this long (asking again every 100 ms) while no master answers");

  // --- data path
  public static final ConfigKey SEGMENT_SIZE = key("segment_size", Kind.BYTES, GIB, 0, 1L << 40, null,
      "DRAM this storage node contributes (0: mounts no segment)");
  public static final ConfigKey MAX_VALUE_SIZE = key("max_value_size", Kind.BYTES, 64 * MIB, 1, (1L << 31) - 1, null,
      "Largest value accepted by put (gRPC message limits are raised to match)");
  public static final ConfigKey MAX_KEY_SIZE = num("max_key_size", Kind.INT, 4096, 1, 1 << 20,
      "Largest key (namespace plus key, in UTF-8 bytes)");
  public static final ConfigKey MAX_BATCH_SIZE = num("max_batch_size", Kind.INT, 4096, 1, 1 << 20,
      "Most keys one batch call may carry");
  public static final ConfigKey REQUEST_TIMEOUT_MS = num("request_timeout_ms", Kind.LONG, 30_000, 100, 3_600_000,
      "Timeout of every event-bus request between verticles");

  // --- metadata (master)
  public static final ConfigKey REPLICA_SHARDS = num("replica_shards", Kind.INT, 4, 1, 1024,
      "Metadata shards, each behind its own lock; each owns the keys that hash to it");
  public static final ConfigKey ALLOCATION_STRATEGY = key("allocation_strategy", Kind.CHOICE, "random", 0, 0,
      List.of("random", "free_ratio_first", "fragmentation_aware"), "How replicas are placed on segments");
  public static final ConfigKey LEASE_TTL_MS = num("lease_ttl_ms", Kind.LONG, 10_000, 0, 3_600_000,
      "Read lease granted by get, exists and replica lists");
  public static final ConfigKey PUT_START_DISCARD_TIMEOUT_MS = num("put_start_discard_timeout_ms", Kind.LONG, 30_000,
      0, 86_400_000, "After this, a new PutStart may preempt an unfinished put of the same key");
  public static final ConfigKey PUT_START_RELEASE_TIMEOUT_MS = num("put_start_release_timeout_ms", Kind.LONG, 600_000,
      1, 86_400_000, "Buffers of preempted or abandoned puts are reused only this long after their PutStart");
  public static final ConfigKey SOFT_PIN_DEFAULT_TTL_MS = num("soft_pin_default_ttl_ms", Kind.LONG, 1_800_000, 0,
      86_400_000L * 365, "Soft-pin TTL when a put enables the pin without one");
  public static final ConfigKey SOFT_PIN_MAX_TTL_MS = num("soft_pin_max_ttl_ms", Kind.LONG, 86_400_000, 0,
      86_400_000L * 365, "Largest soft-pin TTL a put may ask for");
  public static final ConfigKey REGEX_REMOVAL_BUDGET_MS = num("regex_removal_budget_ms", Kind.LONG, 10_000, 1,
      3_600_000, "Longest a RemoveByRegex may scan and match keys; past it the call removes nothing (BUDGET_EXCEEDED)");

  // --- storage-node liveness
  public static final ConfigKey HEARTBEAT_INTERVAL_MS = num("heartbeat_interval_ms", Kind.LONG, 1000, 10, 60_000,
      "How often a storage node heart-beats to the master");
  public static final ConfigKey CLIENT_LIVE_TTL_MS = num("client_live_ttl_ms", Kind.LONG, 10_000, 100, 3_600_000,
      "The master unmounts the segments of a storage node silent this long");
  public static final ConfigKey GRACEFUL_UNMOUNT_GRACE_MS = num("graceful_unmount_grace_ms", Kind.LONG, 0, 0, 3_600_000,
      "On shutdown a storage node drains this long (readable, no new allocations) before unmounting");

  // --- offload to SSD (master)
  public static final ConfigKey ENABLE_OFFLOAD = flag("enable_offload", false,
      "Completed objects are copied to their storage node's SSD (the node needs ssd_dir)");
  public static final ConfigKey OFFLOAD_ON_EVICT = flag("offload_on_evict", false,
      "Offload when eviction would drop an object, instead of at PutEnd");
  public static final ConfigKey OFFLOAD_FORCE_EVICT = flag("offload_force_evict", false,
      "With offload_on_evict: drop an object anyway when it cannot be queued this round");
  public static final ConfigKey OFFLOAD_QUEUE_LIMIT = num("offload_queue_limit", Kind.INT, 50_000, 1, 100_000_000,
      "Objects waiting for one node's SSD; beyond it puts still succeed but are not offloaded (KEYS_ULTRA_LIMIT)");

  // --- the storage node's SSD (used when the node takes offloads)
  public static final ConfigKey SSD_DIR = str("ssd_dir", "data/ssd",
      "Directory of this node's bucket files (created if missing)");
  public static final ConfigKey SSD_CAPACITY = key("ssd_capacity", Kind.BYTES, 0L, 0, 1L << 50, null,
      "Bytes of SSD this node may fill; 0 means 90% of the file system");
  public static final ConfigKey SSD_BUCKET_KEYS = num("ssd_bucket_keys", Kind.INT, 500, 1, 1_000_000,
      "Most objects per bucket file");
  public static final ConfigKey SSD_BUCKET_BYTES = key("ssd_bucket_bytes", Kind.BYTES, 256 * MIB, 8 * KIB, 16 * GIB, null,
      "Largest bucket file (a multiple of 4096)");
  public static final ConfigKey SSD_EVICTION_POLICY = key("ssd_eviction_policy", Kind.CHOICE, "fifo", 0, 0,
      List.of("none", "fifo", "lru"), "Which buckets go when the SSD passes its high watermark");
  public static final ConfigKey SSD_HIGH_WATERMARK = dbl("ssd_high_watermark", 0.90, 0.01, 1,
      "SSD eviction starts above this share of ssd_capacity");
  public static final ConfigKey SSD_LOW_WATERMARK = dbl("ssd_low_watermark", 0.80, 0.01, 1,
      "SSD eviction stops below this share of ssd_capacity");
  public static final ConfigKey USE_URING = flag("use_uring", true,
      "SSD I/O through io_uring (per-thread rings, fixed buffers); false: FileChannel");
  public static final ConfigKey URING_QUEUE_DEPTH = num("uring_queue_depth", Kind.INT, 32, 1, 4096,
      "Ring size and most SQEs in flight per SSD I/O thread");
  public static final ConfigKey SSD_IO_THREADS = num("ssd_io_threads", Kind.INT, 2, 1, 64,
      "Worker threads of the SSD verticle (each with its own ring)");
  public static final ConfigKey LOAD_BUFFER_SIZE = key("load_buffer_size", Kind.BYTES, 256 * MIB, 64 * KIB, 1L << 40, null,
      "Region objects read back from SSD are loaded into (registered with io_uring)");
  public static final ConfigKey LOAD_BUFFER_GC_TTL_MS = num("load_buffer_gc_ttl_ms", Kind.LONG, 5000, 10, 3_600_000,
      "A loaded batch its reader never releases is reclaimed after this");
  public static final ConfigKey PROMOTION_ON_HIT = flag("promotion_on_hit", false,
      "A read served from SSD also copies the object back into DRAM");

  // --- eviction (master)
  public static final ConfigKey EVICTION_HIGH_WATERMARK = dbl("eviction_high_watermark", 0.90, 0, 1,
      "Eviction starts when allocated/total DRAM exceeds this ratio");
  public static final ConfigKey EVICTION_RATIO = dbl("eviction_ratio", 0.05, 0, 1,
      "Share of evictable objects a round evicts (more when far above the watermark)");
  public static final ConfigKey ALLOW_EVICT_SOFT_PINNED = flag("allow_evict_soft_pinned", true,
      "Soft-pinned objects may be evicted (last) when unpinned ones do not free enough");
  public static final ConfigKey EVICTION_CHECK_INTERVAL_MS = num("eviction_check_interval_ms", Kind.LONG, 10, 1, 60_000,
      "How often the master checks whether to evict");
  public static final ConfigKey PUT_FULL_RETRIES = num("put_full_retries", Kind.INT, 2, 0, 10,
      "Times a put that found no space waits for an eviction round and retries before NO_AVAILABLE_HANDLE");

  private static ConfigKey str(String name, String def, String doc) {
    return key(name, Kind.STRING, def, 0, 0, null, doc);
  }

  private static ConfigKey num(String name, Kind kind, long def, double min, double max, String doc) {
    Object value = kind == Kind.INT ? (Object) (int) def : (Object) def;
    return key(name, kind, value, min, max, null, doc);
  }

  static ConfigKey dbl(String name, double def, double min, double max, String doc) {
    return key(name, Kind.DOUBLE, def, min, max, null, doc);
  }

  static ConfigKey flag(String name, boolean def, String doc) {
    return key(name, Kind.BOOLEAN, def, 0, 0, null, doc);
  }

  private static ConfigKey key(String name, Kind kind, Object def, double min, double max, List<String> choices,
                               String doc) {
    ConfigKey key = new ConfigKey(name, kind, def, min, max, choices, doc);
    KEYS.add(key);
    return key;
  }

  /** All keys, in the order the README table lists them. */
  public static List<ConfigKey> keys() {
    return List.copyOf(KEYS);
  }

  public static Map<String, ConfigKey> byName() {
    return KEYS.stream().collect(Collectors.toMap(ConfigKey::name, Function.identity()));
  }
}
