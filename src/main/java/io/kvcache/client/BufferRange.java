package io.kvcache.client;

/**
 * A key and a byte range of a {@link RegisteredBuffer}: for {@code batchPutFrom} the value's bytes, for
 * {@code batchGetInto} the room the value may fill.
 */
public record BufferRange(String key, long offset, long length) {}
