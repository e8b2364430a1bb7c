package io.kvcache.ssd.bucket;

import java.lang.foreign.MemorySegment;

/**
 * One object to load into {@code dst}. A native destination that is 4096-aligned and at least the object's size rounded
 * up to 4096 bytes is read into directly (READ_FIXED when inside the registered region; the bytes past the object's
 * size are overwritten with the bucket's padding); any other destination of at least the object's size is filled
 * through a bounce buffer. Immutable.
 */
public record LoadItem(SsdKey key, MemorySegment dst) {
}
