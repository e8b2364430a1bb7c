package io.kvcache.ssd.bucket;

/** Which whole bucket goes first when the store passes its high watermark. */
public enum EvictionPolicy {
  /** Never evict: stores beyond capacity are refused. */
  NONE,
  /** Oldest bucket first (bucket ids grow with time). */
  FIFO,
  /** Bucket least recently read (or written) first. */
  LRU
}
