package io.kvcache.replica;

import io.kvcache.alloc.SegmentRegistry;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all the shards of one master share: settings, the segment registry (thread-safe), object groups (thread-safe),
 * the live-pin counter, the flag a PutStart raises when it found no space (the eviction trigger reads it), meters and
 * the clock, where objects go to be offloaded to SSD, and the journal a standby master follows.
 */
public record ShardShared(ShardSettings settings, SegmentRegistry segments, Groups groups, AtomicLong livePins,
                          AtomicBoolean evictionWanted, ReplicaMetrics metrics, MillisClock clock,
                          OffloadSettings offload, OffloadSink offloadSink, ShardJournal journal) {

  public static ShardShared of(ShardSettings settings, SegmentRegistry segments, ReplicaMetrics metrics,
                               MillisClock clock) {
    return of(settings, segments, metrics, clock, OffloadSettings.DISABLED, OffloadSink.NONE);
  }

  public static ShardShared of(ShardSettings settings, SegmentRegistry segments, ReplicaMetrics metrics,
                               MillisClock clock, OffloadSettings offload, OffloadSink sink) {
    return of(settings, segments, metrics, clock, offload, sink, ShardJournal.NONE);
  }

  public static ShardShared of(ShardSettings settings, SegmentRegistry segments, ReplicaMetrics metrics,
                               MillisClock clock, OffloadSettings offload, OffloadSink sink, ShardJournal journal) {
    return new ShardShared(settings, segments, new Groups(), new AtomicLong(), new AtomicBoolean(), metrics, clock,
        offload, sink, journal);
  }
}
