package io.kvcache.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.kvcache.ha.LeaseState;

/**
 * After a split heals, the lease with the higher term survives (on a tie, the one in the larger side), so terms never go
 * back and the master of the other side finds on its next renewal that it lost the lease.
 *
 * <p>Stateless; Hazelcast instantiates it by class name.
 */
public final class HigherTermMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {
  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    return termOf(merging.getValue()) > termOf(existing.getValue()) ? merging.getRawValue() : existing.getRawValue();
  }

  private static long termOf(Object value) {
    return value instanceof LeaseState l ? l.term() : -1;
  }

  @Override
  public void writeData(ObjectDataOutput out) {}

  @Override
  public void readData(ObjectDataInput in) {}
}
