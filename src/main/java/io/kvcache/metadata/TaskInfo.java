package io.kvcache.metadata;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.TaskStatus;

/** A master-driven task as QueryTask reports it. */
public record TaskInfo(ErrorCode code, TaskStatus status, String message, String assignedNode) {
  public static TaskInfo failed(ErrorCode code) {
    return new TaskInfo(code, TaskStatus.TASK_PENDING, "", "");
  }
}
