package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.OpenMode;
import io.kvcache.ssd.io.ReadDesc;
import io.kvcache.ssd.io.ReadResult;
import io.kvcache.proto.v1.ErrorCode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the objects a load batch wants from one bucket with one batchRead, checks each against its CRC32C, and fills
 * the per-key results. Aligned destinations with room for the padded object are read into directly; others go
 * through bounce buffers and are copied.
 *
 * <p>Thread-safe: no shared mutable state besides the stats counters.
 */
final class BucketReader {
  private final FileIo io;
  private final BucketFiles files;
  private final BucketStoreStats stats;

  BucketReader(FileIo io, BucketFiles files, BucketStoreStats stats) {
    this.io = io;
    this.files = files;
    this.stats = stats;
  }

  /** Whether the object can be read straight into {@code dst} (O_DIRECT needs alignment and the padded length). */
  static boolean readsDirectly(MemorySegment dst, long size) {
    return dst.isNative() && dst.address() % DirectFile.ALIGNMENT == 0
        && dst.byteSize() >= BucketFileLayout.align(size);
  }

  /**
   * Loads every wanted object of every bucket in one batch read across the bucket files, so random reads spread over
   * many buckets still keep the whole queue depth in flight (per-bucket batches would leave the SSD at a depth of one
   * or two). A bucket evicted meanwhile fails only its own objects.
   */
  void readAll(java.util.Map<Long, List<Integer>> byBucket, List<LoadItem> items, BucketIndex.Location[] locations,
               LoadResult[] results) {
    List<DirectFile> open = new ArrayList<>();
    try (Arena bounce = Arena.ofConfined()) {
      List<DirectFile> fileOf = new ArrayList<>();
      List<ReadDesc> descs = new ArrayList<>();
      List<MemorySegment> targets = new ArrayList<>();
      List<Integer> wanted = new ArrayList<>();
      for (var bucket : byBucket.entrySet()) {
        DirectFile file;
        try {
          file = io.open(files.data(bucket.getKey()), OpenMode.READ);
        } catch (NoSuchFileException e) {
          fail(bucket.getValue(), items, results, ErrorCode.OBJECT_NOT_FOUND, "bucket " + bucket.getKey() + " was evicted");
          continue;
        } catch (IOException e) {
          fail(bucket.getValue(), items, results, ErrorCode.FILE_READ_FAIL, "bucket " + bucket.getKey() + ": " + e.getMessage());
          continue;
        }
        open.add(file);
        for (int i : bucket.getValue()) {
          long size = locations[i].size();
          MemorySegment dst = items.get(i).dst();
          long padded = BucketFileLayout.align(size);
          MemorySegment target = readsDirectly(dst, size) ? dst.asSlice(0, padded)
              : bounce.allocate(Math.max(padded, DirectFile.ALIGNMENT), DirectFile.ALIGNMENT).asSlice(0, padded);
          fileOf.add(file);
          descs.add(new ReadDesc(locations[i].offset(), target));
          targets.add(target);
          wanted.add(i);
        }
      }
      if (!descs.isEmpty()) {
        List<ReadResult> reads;
        try {
          reads = io.batchReadAcross(fileOf, descs);
        } catch (IOException e) {
          fail(wanted, items, results, ErrorCode.FILE_READ_FAIL, e.getMessage());
          return;
        }
        for (int k = 0; k < wanted.size(); k++) {
          int i = wanted.get(k);
          results[i] = verify(items.get(i), locations[i], reads.get(k), targets.get(k));
        }
      }
    } finally {
      for (DirectFile f : open) {
        try {
          f.close();
        } catch (IOException ignored) {
          // read-only handle: nothing to lose
        }
      }
    }
  }

  private LoadResult verify(LoadItem item, BucketIndex.Location location, ReadResult read, MemorySegment target) {
    long size = location.size();
    if (!read.isOk()) {
      return LoadResult.failed(item.key(), ErrorCode.FILE_READ_FAIL, read.error());
    }
    if (read.bytesRead() < size) {
      return LoadResult.failed(item.key(), ErrorCode.FILE_READ_FAIL,
          "bucket " + location.bucketId() + " is short: read " + read.bytesRead() + " of " + size + " bytes");
    }
    if (BucketStore.crc32c(target, size) != location.crc()) {
      stats.checksumFailures.increment();
      return LoadResult.failed(item.key(), ErrorCode.CHECKSUM_MISMATCH,
          "CRC32C mismatch in bucket " + location.bucketId() + " at offset " + location.offset());
    }
    if (target.address() != item.dst().address()) {
      MemorySegment.copy(target, 0, item.dst(), 0, size);
    }
    stats.objectsLoaded.increment();
    return LoadResult.loaded(item.key(), size);
  }

  private static void fail(List<Integer> positions, List<LoadItem> items, LoadResult[] results, ErrorCode code,
                           String message) {
    for (int i : positions) {
      results[i] = LoadResult.failed(items.get(i).key(), code, message);
    }
  }
}
