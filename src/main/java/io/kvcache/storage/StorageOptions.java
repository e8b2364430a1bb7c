package io.kvcache.storage;

/**
 * The storage role.
 *
 * @param segmentSize DRAM this node contributes (0: none)
 * @param heartbeatIntervalMs how often the node heart-beats to the master
 * @param gracefulUnmountGraceMs on shutdown the segment drains this long before it is unmounted
 * @param ssd the node's SSD, or null when it takes no offloads
 */
public record StorageOptions(long segmentSize, long heartbeatIntervalMs, long gracefulUnmountGraceMs, SsdOptions ssd) {
  public boolean takesOffloads() {
    return ssd != null;
  }
}
