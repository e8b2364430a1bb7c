package io.kvcache.replica;

/** Who holds a pin on a replica: a copy or move task, or an offload waiting for its SSD write. */
public enum PinOwner {
  COPY, MOVE, OFFLOAD
}
