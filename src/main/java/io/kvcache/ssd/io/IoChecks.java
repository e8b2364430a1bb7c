package io.kvcache.ssd.io;

import java.lang.foreign.MemorySegment;

/**
 * Argument rules shared by every {@link DirectFile} implementation, and the split of a contiguous transfer into
 * requests. Each check returns null when the argument is fine, else a sentence saying what is wrong.
 *
 * <p>Stateless; thread-safe.
 */
public final class IoChecks {
  private IoChecks() {}

  /** Largest piece one request moves: the largest power of two within the kernel's per-call cap (MAX_RW_COUNT). */
  public static final long MAX_CHUNK = 1L << 30;

  /** Why a (file offset, buffer) pair is unusable for I/O, or null. */
  public static String whyInvalid(long offset, MemorySegment buffer, boolean isRead, Caching caching) {
    if (offset < 0) {
      return "negative file offset " + offset;
    }
    if (!buffer.isNative()) {
      return "buffer must be native memory (a heap segment has no stable address)";
    }
    if (isRead && buffer.isReadOnly()) {
      return "destination segment is read-only";
    }
    if (caching == Caching.DIRECT) {
      int a = DirectFile.ALIGNMENT;
      if (offset % a != 0) {
        return "file offset " + offset + " is not " + a + "-aligned (O_DIRECT)";
      }
      if (buffer.address() % a != 0) {
        return "buffer address 0x" + Long.toHexString(buffer.address()) + " is not " + a + "-aligned (O_DIRECT)";
      }
      if (buffer.byteSize() % a != 0) {
        return "length " + buffer.byteSize() + " is not a multiple of " + a + " (O_DIRECT)";
      }
    }
    return null;
  }

  /** Throws IllegalArgumentException if {@link #whyInvalid} objects. */
  public static void check(long offset, MemorySegment buffer, boolean isRead, Caching caching) {
    String why = whyInvalid(offset, buffer, isRead, caching);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
  }

  /**
   * Size of the pieces a contiguous transfer of {@code length} bytes is split into so that it takes at most
   * {@code maxRequests} requests: max(4096, next power of two of ceil(length / maxRequests)), capped at {@link #MAX_CHUNK}.
   */
  public static long chunkSize(long length, int maxRequests) {
    long perRequest = (length + maxRequests - 1) / maxRequests;
    long pow2 = perRequest <= 1 ? 1 : Long.highestOneBit(perRequest - 1) << 1;
    return Math.min(MAX_CHUNK, Math.max(DirectFile.ALIGNMENT, pow2));
  }

  /** Total bytes of a list of segments. */
  public static long totalBytes(Iterable<MemorySegment> segments) {
    long sum = 0;
    for (MemorySegment s : segments) {
      sum += s.byteSize();
    }
    return sum;
  }
}
