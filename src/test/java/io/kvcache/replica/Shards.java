package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Several shards of one master (keys routed by hash, as the gateway does), driven inline with a manual clock. */
final class Shards implements ShardAccess {
  static final long WRITER = 7;
  final SegmentRegistry segments = new SegmentRegistry();
  final ManualClock clock = new ManualClock();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final ShardShared shared;
  final List<Shard> all = new ArrayList<>();

  Shards(int count, ShardSettings settings, long... segmentSizes) {
    this(count, settings, OffloadSettings.DISABLED, OffloadSink.NONE, segmentSizes);
  }

  Shards(int count, ShardSettings settings, OffloadSettings offload, OffloadSink sink, long... segmentSizes) {
    for (int i = 0; i < segmentSizes.length; i++) {
      segments.mount("seg-" + i, "node-" + i, "127.0.0.1:" + (50051 + i), segmentSizes[i]);
    }
    shared = ShardShared.of(settings, segments, new ReplicaMetrics(meters), clock, offload, sink);
    for (int i = 0; i < count; i++) {
      all.add(new Shard(i, shared, AllocationStrategies.create("random", 100 + i)));
    }
  }

  Shards(int count, long... segmentSizes) {
    this(count, ShardSettings.defaults(), segmentSizes);
  }

  Shard of(String key) {
    return all.get(KeyCodec.shardOf(KeyCodec.hash(KeyCodec.encode("", key)), all.size()));
  }

  ErrorCode put(String key, long size, ReplicateConfig config) {
    byte[] k = KeyCodec.encode("", key);
    int h = KeyCodec.hash(k);
    ErrorCode started = of(key).puts().putStart(WRITER, k, h, size, config).code();
    return started != ErrorCode.OK ? started : of(key).puts().putEnd(WRITER, k, h);
  }

  ErrorCode put(String key, long size) {
    return put(key, size, ReplicateConfig.getDefaultInstance());
  }

  boolean present(String key) {
    byte[] k = KeyCodec.encode("", key);
    return of(key).reads().find(k, KeyCodec.hash(k)) != null;
  }

  ObjectEntry find(String key) {
    byte[] k = KeyCodec.encode("", key);
    return of(key).reads().find(k, KeyCodec.hash(k));
  }

  ErrorCode lease(String key) {
    byte[] k = KeyCodec.encode("", key);
    return of(key).reads().lease(k, KeyCodec.hash(k)).code();
  }

  int objects() {
    return all.stream().mapToInt(Shard::objectCount).sum();
  }

  EvictionRound.Outcome evict(double target, double lowerbound, boolean allowSoftPinned) {
    return new EvictionRound(this, allowSoftPinned, clock).run(target, lowerbound);
  }

  @Override
  public int count() {
    return all.size();
  }

  @Override
  public <T> T call(int shard, Function<Shard, T> step) {
    return step.apply(all.get(shard));
  }
}
