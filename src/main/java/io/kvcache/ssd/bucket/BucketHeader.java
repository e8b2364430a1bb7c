package io.kvcache.ssd.bucket;

import java.lang.foreign.MemorySegment;

import static io.kvcache.ssd.bucket.BucketFileLayout.U32;
import static io.kvcache.ssd.bucket.BucketFileLayout.U64;

/**
 * Writes and checks the header page of a bucket data file ({@link BucketFileLayout}); the check tells a data file
 * that belongs to its meta from a stray, truncated or overwritten one.
 *
 * <p>Stateless; thread-safe.
 */
final class BucketHeader {
  private BucketHeader() {}

  /** Fills the first {@link BucketFileLayout#HEADER_BYTES} of {@code page} (zeroing the rest of the header). */
  static void write(MemorySegment page, long bucketId, int objectCount, long dataBytes) {
    MemorySegment header = page.asSlice(0, BucketFileLayout.HEADER_BYTES);
    header.fill((byte) 0);
    header.set(U64, BucketFileLayout.MAGIC_OFFSET, BucketFileLayout.MAGIC);
    header.set(U32, BucketFileLayout.VERSION_OFFSET, BucketFileLayout.VERSION);
    header.set(U32, BucketFileLayout.OBJECT_COUNT_OFFSET, objectCount);
    header.set(U64, BucketFileLayout.BUCKET_ID_OFFSET, bucketId);
    header.set(U64, BucketFileLayout.DATA_BYTES_OFFSET, dataBytes);
    header.set(U32, BucketFileLayout.HEADER_CRC_OFFSET, BucketMeta.crc(header, BucketFileLayout.HEADER_CRC_OFFSET));
  }

  /** Null if {@code page} is the header of bucket {@code bucketId} with {@code dataBytes} bytes, else what is wrong. */
  static String mismatch(MemorySegment page, long bucketId, long dataBytes) {
    if (page.get(U64, BucketFileLayout.MAGIC_OFFSET) != BucketFileLayout.MAGIC) {
      return "bad magic";
    }
    if (page.get(U32, BucketFileLayout.HEADER_CRC_OFFSET) != BucketMeta.crc(page, BucketFileLayout.HEADER_CRC_OFFSET)) {
      return "header checksum mismatch";
    }
    if (page.get(U32, BucketFileLayout.VERSION_OFFSET) != BucketFileLayout.VERSION) {
      return "unknown version " + page.get(U32, BucketFileLayout.VERSION_OFFSET);
    }
    if (page.get(U64, BucketFileLayout.BUCKET_ID_OFFSET) != bucketId) {
      return "header names bucket " + page.get(U64, BucketFileLayout.BUCKET_ID_OFFSET);
    }
    if (page.get(U64, BucketFileLayout.DATA_BYTES_OFFSET) != dataBytes) {
      return "header says " + page.get(U64, BucketFileLayout.DATA_BYTES_OFFSET) + " bytes, meta " + dataBytes;
    }
    return null;
  }
}
