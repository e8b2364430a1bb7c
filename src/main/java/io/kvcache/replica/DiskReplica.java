package io.kvcache.replica;

import io.kvcache.alloc.LocalDisk;

/**
 * A replica on a storage node's local SSD (the reference's LOCAL_DISK), written by the offload pipeline. Valid while
 * its node's disk is registered with the master; reading it goes through that node's load buffers.
 */
public final class DiskReplica extends Replica {
  final LocalDisk disk;

  DiskReplica(LocalDisk disk) {
    this.disk = disk;
    this.status = COMPLETE;
  }

  public LocalDisk disk() {
    return disk;
  }

  /** Id of this replica: the node id's hash with a tag that keeps it apart from memory replica ids. */
  public long id() {
    return ((long) disk.nodeId().hashCode() << 32) | 0xD15CL;
  }

  @Override
  public boolean isValid() {
    return disk.isRegistered();
  }

  @Override
  public boolean isMemory() {
    return false;
  }

  @Override
  void release(long objectSize) {
    disk.addUsed(-objectSize); // the bytes stay in their bucket until the node's own eviction or a remove reaches it
  }
}
