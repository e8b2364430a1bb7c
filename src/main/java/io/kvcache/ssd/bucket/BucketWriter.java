package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.OpenMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * Writes buckets durably in the order that makes crashes harmless: the data file (O_DIRECT, through an aligned
 * staging buffer, then datasync), then the meta as {@code <id>.meta.tmp} (O_DIRECT, datasync), renamed to
 * {@code <id>.meta}, then the directory synced. A crash before the rename leaves an orphan data file; after it, a
 * complete bucket. A failed write deletes what it wrote.
 *
 * <p>Large buckets' staging buffers are reused: a fresh one per bucket cost the writing thread a zero-fill and a page
 * fault per 4 KiB of it (32 MiB per bucket, most of the SSD thread's time in a profile of offloads). Small buckets
 * stage through memory freed right after, which the allocator hands to the next bucket with its pages still mapped.
 *
 * <p>Thread-safe: each call takes a staging buffer of its own from the idle ones (the queue is concurrent).
 */
final class BucketWriter {
  /** Staging buffer size: one contiguous write of this size becomes 32 requests of 1 MiB. */
  static final long STAGING_BYTES = 32L << 20;
  /** Idle full-size staging buffers kept for reuse; more writers at once allocate more, dropped when they finish. */
  static final int IDLE_STAGING_BUFFERS = 4;

  private final FileIo io;
  private final BucketFiles files;
  private final BlockingQueue<MemorySegment> idleStaging = new ArrayBlockingQueue<>(IDLE_STAGING_BUFFERS);

  BucketWriter(FileIo io, BucketFiles files) {
    this.io = io;
    this.files = files;
  }

  /** Offsets of {@code items} in a bucket file and the file length: objects packed after the header, aligned. */
  static long[] layout(List<StoreItem> items) {
    long[] offsets = new long[items.size() + 1];
    long at = BucketFileLayout.HEADER_BYTES;
    for (int i = 0; i < items.size(); i++) {
      offsets[i] = at;
      at += BucketFileLayout.align(items.get(i).value().byteSize());
    }
    offsets[items.size()] = at;
    return offsets;
  }

  /** Bytes a bucket holding {@code items} takes on disk. */
  static long dataBytes(List<StoreItem> items) {
    long[] offsets = layout(items);
    return offsets[offsets.length - 1];
  }

  /** Writes bucket {@code bucketId} holding {@code items}; returns its meta once data and meta are durable. */
  BucketMeta write(long bucketId, List<StoreItem> items) throws IOException {
    long[] offsets = layout(items);
    long dataBytes = offsets[items.size()];
    try {
      List<BucketMeta.Entry> entries = writeData(bucketId, items, offsets, dataBytes);
      BucketMeta meta = new BucketMeta(bucketId, dataBytes, entries);
      writeMeta(meta);
      return meta;
    } catch (IOException | RuntimeException e) {
      try {
        files.deleteBucket(bucketId);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private List<BucketMeta.Entry> writeData(long bucketId, List<StoreItem> items, long[] offsets, long dataBytes)
      throws IOException {
    List<BucketMeta.Entry> entries = new ArrayList<>(items.size());
    // A large bucket stages through a reused full-size buffer; a small one through memory of its own size, freed at
    // once (the allocator hands the same pages to the next one).
    boolean pooled = dataBytes >= STAGING_BYTES / 2;
    Arena temporary = pooled ? null : Arena.ofConfined();
    MemorySegment staging = pooled ? takeStaging() : temporary.allocate(dataBytes, DirectFile.ALIGNMENT);
    try (DirectFile file = io.open(files.data(bucketId), OpenMode.TRUNCATE)) {
      file.allocate(0, dataBytes); // fails early with ENOSPC instead of half-way through
      Stager stager = new Stager(file, staging);
      BucketHeader.write(stager.reserve(BucketFileLayout.HEADER_BYTES), bucketId, items.size(), dataBytes);
      for (int i = 0; i < items.size(); i++) {
        StoreItem item = items.get(i);
        int crc = stager.append(item.value());
        entries.add(new BucketMeta.Entry(item.key(), offsets[i], item.value().byteSize(), crc));
      }
      stager.flush();
      file.datasync();
    } finally {
      if (pooled) {
        idleStaging.offer(staging); // dropped when enough are idle
      } else {
        temporary.close();
      }
    }
    return entries;
  }

  /** An idle full-size staging buffer, or a new one (freed by the GC once neither a writer nor the queue holds it). */
  private MemorySegment takeStaging() {
    MemorySegment idle = idleStaging.poll();
    return idle != null ? idle : Arena.ofAuto().allocate(STAGING_BYTES, DirectFile.ALIGNMENT);
  }

  /** Writes {@code meta} atomically over any previous meta of its bucket. */
  void writeMeta(BucketMeta meta) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment encoded = meta.encode(arena);
      try (DirectFile file = io.open(files.tempMeta(meta.bucketId()), OpenMode.TRUNCATE)) {
        file.write(0, encoded);
        file.datasync();
      }
    }
    Files.move(files.tempMeta(meta.bucketId()), files.meta(meta.bucketId()), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    files.syncDir();
  }

  /**
   * Fills an aligned staging buffer front to back and writes it to the file whenever it is full. Objects are copied in
   * and zero-padded to the alignment, so every write is aligned.
   */
  private static final class Stager {
    private final DirectFile file;
    private final MemorySegment staging;
    private long fileOffset; // file offset of staging[0]
    private long filled;

    Stager(DirectFile file, MemorySegment staging) {
      this.file = file;
      this.staging = staging;
    }

    /** The next {@code bytes} (< staging size, aligned) of the file as a slice of the staging buffer. */
    MemorySegment reserve(long bytes) throws IOException {
      if (filled + bytes > staging.byteSize()) {
        flush();
      }
      MemorySegment slice = staging.asSlice(filled, bytes);
      filled += bytes;
      return slice;
    }

    /** Copies {@code value} in, then zeros up to the alignment; returns the CRC32C of the value. */
    int append(MemorySegment value) throws IOException {
      CRC32C crc = new CRC32C();
      long copied = 0;
      while (copied < value.byteSize()) {
        if (filled == staging.byteSize()) {
          flush();
        }
        long n = Math.min(value.byteSize() - copied, staging.byteSize() - filled);
        MemorySegment target = staging.asSlice(filled, n);
        MemorySegment.copy(value, copied, target, 0, n);
        crc.update(target.asByteBuffer());
        copied += n;
        filled += n;
      }
      long padding = BucketFileLayout.align(filled) - filled;
      staging.asSlice(filled, padding).fill((byte) 0);
      filled += padding;
      return (int) crc.getValue();
    }

    void flush() throws IOException {
      if (filled > 0) {
        file.write(fileOffset, staging.asSlice(0, filled));
        fileOffset += filled;
        filled = 0;
      }
    }
  }
}
