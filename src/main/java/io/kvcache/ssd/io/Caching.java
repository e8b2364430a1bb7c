package io.kvcache.ssd.io;

/** Whether a file's I/O bypasses the page cache. */
public enum Caching {
  /** O_DIRECT: aligned buffers, lengths and offsets; data goes straight to the device. */
  DIRECT,
  /** Through the page cache (no alignment rules); for comparison runs and small files. */
  BUFFERED
}
