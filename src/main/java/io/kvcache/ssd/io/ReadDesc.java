package io.kvcache.ssd.io;

import java.lang.foreign.MemorySegment;

/** One independent read of a batch: fill {@code dst} from file offset {@code offset}. Immutable. */
public record ReadDesc(long offset, MemorySegment dst) {
}
