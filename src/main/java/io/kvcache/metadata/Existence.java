package io.kvcache.metadata;

/** Per key, whether it is readable now (a hit also grants a read lease of {@code leaseTtlMs}). */
public record Existence(boolean[] hits, long leaseTtlMs) {}
