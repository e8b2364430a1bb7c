package io.kvcache.ssd.bucket;

import java.lang.foreign.MemorySegment;

/** One object to store: its key and its bytes (any segment; copied during the call). Immutable. */
public record StoreItem(SsdKey key, MemorySegment value) {
}
