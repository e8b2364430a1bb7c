package io.kvcache.client;

import java.util.List;

/**
 * What {@code batchExists} found.
 *
 * @param exists one flag per key, in request order
 * @param leadingHits keys, from the first, that exist before the first miss (the prefix a load can use)
 */
public record Existence(List<Boolean> exists, int leadingHits) {}
