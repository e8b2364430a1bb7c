package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A shard over an in-memory registry of segments, with a manual clock and its own meter registry. */
final class ShardFixture {
  static final long WRITER = 7;
  static final long OTHER_WRITER = 8;

  final SegmentRegistry segments = new SegmentRegistry();
  final ManualClock clock = new ManualClock();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final Shard shard;

  final ShardShared shared;

  ShardFixture(ShardSettings settings, String strategy, long... segmentSizes) {
    this(ShardJournal.NONE, settings, strategy, segmentSizes);
  }

  ShardFixture(ShardJournal journal, ShardSettings settings, String strategy, long... segmentSizes) {
    for (int i = 0; i < segmentSizes.length; i++) {
      segments.mount("seg-" + i, "node-" + i, "127.0.0.1:" + (50051 + i), segmentSizes[i]);
    }
    shared = ShardShared.of(settings, segments, new ReplicaMetrics(meters), clock, OffloadSettings.DISABLED,
        OffloadSink.NONE, journal);
    shard = new Shard(0, shared, AllocationStrategies.create(strategy, 42));
  }

  ShardFixture(long... segmentSizes) {
    this(ShardSettings.defaults(), "random", segmentSizes);
  }

  /** The fixture's one shard as a {@link ShardAccess}, for code that spans shards. */
  ShardAccess access() {
    return new ShardAccess() {
      @Override
      public int count() {
        return 1;
      }

      @Override
      public <T> T call(int index, java.util.function.Function<Shard, T> step) {
        return step.apply(shard);
      }
    };
  }

  static byte[] key(String k) {
    return KeyCodec.encode("", k);
  }

  static int hash(String k) {
    return KeyCodec.hash(key(k));
  }

  ErrorCode putStart(String k, long size, ReplicateConfig config) {
    return shard.puts().putStart(WRITER, key(k), hash(k), size, config).code();
  }

  ErrorCode putStart(String k, long size) {
    return putStart(k, size, ReplicateConfig.getDefaultInstance());
  }

  ErrorCode putEnd(String k) {
    return shard.puts().putEnd(WRITER, key(k), hash(k));
  }

  ErrorCode put(String k, long size) {
    ErrorCode started = putStart(k, size);
    return started != ErrorCode.OK ? started : putEnd(k);
  }

  ErrorCode lease(String k) {
    return shard.reads().lease(key(k), hash(k)).code();
  }

  boolean exists(String k) {
    return shard.reads().exists(key(k), hash(k));
  }

  ErrorCode remove(String k, boolean force) {
    return shard.removes().remove(key(k), hash(k), force);
  }

  ObjectEntry find(String k) {
    return shard.reads().find(key(k), hash(k));
  }

  double counter(String name) {
    return meters.counter(name).count();
  }
}
