package io.kvcache.bench;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.MillisClock;
import io.kvcache.replica.ReplicaMetrics;
import io.kvcache.replica.Shard;
import io.kvcache.replica.ShardSettings;
import io.kvcache.replica.ShardShared;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Heap bytes per resident object on the master: fills shards with {@code --objects} complete objects (64-hex-char keys,
 * like chained page hashes, one memory replica each) and measures the retained heap after full GCs. Reports the total,
 * the segment allocators' share (measured alone with the same number of allocations) and the metadata share.
 *
 * <p>Run with a heap large enough for the object count, e.g. {@code KV_JAVA_OPTS=-Xmx6g}.
 */
public final class MetadataMemory {
  private MetadataMemory() {}

  public static void main(String[] args) {
    Map<String, String> a = Args.parse(args);
    int objects = Integer.parseInt(a.getOrDefault("objects", "10000000"));
    int shards = Integer.parseInt(a.getOrDefault("shards", "4"));
    long valueSize = Long.parseLong(a.getOrDefault("value", "4096"));
    int segments = Integer.parseInt(a.getOrDefault("segments", "16"));
    long segmentSize = Math.max(1L << 30, ((objects * valueSize) / segments) * 2);

    long base = retainedHeap();
    SegmentRegistry registry = mount(segments, segmentSize);
    Segment[] mounted = registry.snapshot();
    long[] perSegment = new long[objects / segments + 1];
    for (Segment s : mounted) {
      for (int i = 0; i < perSegment.length - 1; i++) {
        if (s.allocate(valueSize) == OffsetAllocator.NO_SPACE) {
          throw new IllegalStateException("segments too small");
        }
      }
    }
    long allocatorsOnly = retainedHeap() - base;
    java.lang.ref.Reference.reachabilityFence(registry); // compiled code would otherwise let the GC take it early
    registry = null;
    mounted = null;

    base = retainedHeap();
    SegmentRegistry fresh = mount(segments, segmentSize);
    ShardShared shared = ShardShared.of(new ShardSettings(10_000, 30_000, 600_000, 1_800_000, 86_400_000, 1L << 30, 64),
        fresh, ReplicaMetrics.detached(), MillisClock.MONOTONIC);
    List<Shard> all = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      all.add(new Shard(i, shared, AllocationStrategies.create("random", i)));
    }
    HexFormat hex = HexFormat.of();
    byte[] digest = new byte[32];
    long keyBytes = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < objects; i++) {
      for (int b = 0; b < 8; b++) {
        digest[b] = (byte) (i >>> (8 * (b & 3)) ^ b * 31);
      }
      byte[] key = KeyCodec.encode("", hex.formatHex(digest).substring(0, 56) + String.format("%08x", i));
      int hash = KeyCodec.hash(key);
      Shard shard = all.get(KeyCodec.shardOf(hash, shards));
      if (shard.puts().putStart(1, key, hash, valueSize, ReplicateConfig.getDefaultInstance()).code() != ErrorCode.OK
          || shard.puts().putEnd(1, key, hash) != ErrorCode.OK) {
        throw new IllegalStateException("put " + i + " failed");
      }
      keyBytes += key.length;
    }
    double insertSeconds = (System.nanoTime() - t0) / 1e9;
    long total = retainedHeap() - base;
    java.lang.ref.Reference.reachabilityFence(all);
    int resident = all.stream().mapToInt(Shard::objectCount).sum();
    double keyPerObject = (double) keyBytes / resident;
    double totalPerObject = (double) total / resident;
    double allocatorPerObject = (double) allocatorsOnly / resident;
    System.out.printf("RESULT objects=%d key_bytes_per_object=%.1f heap_bytes_per_object=%.1f allocator_bytes_per_object=%.1f"
            + " metadata_bytes_per_object=%.1f metadata_minus_key=%.1f insert_rate_per_s=%.0f%n",
        resident, keyPerObject, totalPerObject, allocatorPerObject, totalPerObject - allocatorPerObject,
        totalPerObject - allocatorPerObject - keyPerObject, resident / insertSeconds);
    java.lang.ref.Reference.reachabilityFence(all);
    java.lang.ref.Reference.reachabilityFence(fresh);
  }

  private static SegmentRegistry mount(int segments, long segmentSize) {
    SegmentRegistry registry = new SegmentRegistry();
    for (int s = 0; s < segments; s++) {
      registry.mount("seg-" + s, "node-" + s, "127.0.0.1:" + (50051 + s), segmentSize);
    }
    return registry;
  }

  private static long retainedHeap() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
