package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Numbers the reference fixes: error codes on the wire (item 1) and the eviction targets (item 29). */
class ReferenceNumbersTest {

  @Test
  void errorCodesKeepMooncakesNumericValues() {
    assertEquals(0, ErrorCode.OK_VALUE);
    assertEquals(-1, ErrorCode.INTERNAL_ERROR_VALUE);
    assertEquals(-101, ErrorCode.SEGMENT_NOT_FOUND_VALUE);
    assertEquals(-200, ErrorCode.NO_AVAILABLE_HANDLE_VALUE);
    assertEquals(-600, ErrorCode.INVALID_PARAMS_VALUE);
    assertEquals(-601, ErrorCode.ILLEGAL_CLIENT_VALUE);
    assertEquals(-700, ErrorCode.INVALID_WRITE_VALUE);
    assertEquals(-703, ErrorCode.REPLICA_IS_NOT_READY_VALUE);
    assertEquals(-704, ErrorCode.OBJECT_NOT_FOUND_VALUE);
    assertEquals(-705, ErrorCode.OBJECT_ALREADY_EXISTS_VALUE);
    assertEquals(-706, ErrorCode.OBJECT_HAS_LEASE_VALUE);
    assertEquals(-707, ErrorCode.LEASE_EXPIRED_VALUE);
    assertEquals(-708, ErrorCode.OBJECT_HAS_REPLICATION_TASK_VALUE);
    assertEquals(-709, ErrorCode.OBJECT_NO_REPLICATION_TASK_VALUE);
    assertEquals(-712, ErrorCode.REPLICA_IS_GONE_VALUE);
    assertEquals(-1010, ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS_VALUE);
    assertEquals(-1203, ErrorCode.KEYS_ULTRA_LIMIT_VALUE);
    assertEquals(-1301, ErrorCode.UNABLE_OFFLOADING_VALUE);
    assertEquals(-1400, ErrorCode.TASK_NOT_FOUND_VALUE);
    assertEquals(-1401, ErrorCode.TASK_PENDING_LIMIT_EXCEEDED_VALUE);
  }

  @Test
  void evictionTargetAndLowerBoundFollowTheReference() {
    // below the watermark (an allocation failed): target = ratio, lower bound = target / 2
    assertTargets(EvictionRound.targets(0.50, 0.90, 0.05), 0.05, 0.025);
    // above it: target = used - hw + ratio, lower bound = max(target / 2, used - hw)
    assertTargets(EvictionRound.targets(0.98, 0.90, 0.05), 0.13, 0.08);
    assertTargets(EvictionRound.targets(1.00, 0.50, 0.05), 0.55, 0.50);
    // a lower bound above the target is lowered to it
    assertTargets(EvictionRound.targets(1.00, 0.90, 0.0), 0.10, 0.10);
  }

  private static void assertTargets(double[] actual, double target, double lowerbound) {
    assertEquals(target, actual[0], 1e-9, "target");
    assertEquals(lowerbound, actual[1], 1e-9, "lower bound");
  }
}
