package io.kvcache.storage;

import io.kvcache.ssd.bucket.BucketStoreOptions;

/**
 * A storage node's SSD (when it takes offloads).
 *
 * @param buckets where and how the bucket files are kept
 * @param useUring io_uring (per-thread rings, fixed buffers) instead of FileChannel
 * @param uringQueueDepth ring size and most SQEs in flight per SSD I/O thread
 * @param ioThreads SSD worker threads (each with its own ring)
 * @param loadBufferSize region objects read back from SSD are loaded into
 * @param loadBufferGcTtlMs a loaded batch its reader never releases is reclaimed after this
 */
public record SsdOptions(BucketStoreOptions buckets, boolean useUring, int uringQueueDepth, int ioThreads,
                         long loadBufferSize, long loadBufferGcTtlMs) {}
