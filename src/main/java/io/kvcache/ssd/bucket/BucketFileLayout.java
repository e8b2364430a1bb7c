package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * On-disk format of a bucket data file {@code <id>.bucket}: a header page, then each object's bytes starting at a
 * {@link DirectFile#ALIGNMENT}-aligned offset and zero-padded to the next one, so that any object can be read alone
 * with O_DIRECT straight into a caller's aligned buffer. The file length ({@link #DATA_BYTES}) is a multiple of the
 * alignment. Keys, offsets, sizes and checksums live in the meta file ({@link BucketMetaLayout}).
 *
 * <pre>
 * header page (HEADER_BYTES, little-endian, rest zero):
 *   MAGIC u64 | VERSION u32 | OBJECT_COUNT u32 | BUCKET_ID u64 | DATA_BYTES u64 | HEADER_CRC u32 (CRC32C of [0, HEADER_CRC))
 * objects: object i at offset[i] (aligned, >= HEADER_BYTES), size[i] bytes, zero padding to the alignment
 * </pre>
 *
 * <p>Constants only; thread-safe.
 */
public final class BucketFileLayout {
  private BucketFileLayout() {}

  /** "KVBUCKT1" read as a little-endian u64. */
  public static final long MAGIC = 0x3154_4B43_5542_564BL;
  public static final int VERSION = 1;
  public static final String SUFFIX = ".bucket";

  public static final long HEADER_BYTES = DirectFile.ALIGNMENT;
  public static final long MAGIC_OFFSET = 0;
  public static final long VERSION_OFFSET = 8;
  public static final long OBJECT_COUNT_OFFSET = 12;
  public static final long BUCKET_ID_OFFSET = 16;
  public static final long DATA_BYTES_OFFSET = 24;
  public static final long HEADER_CRC_OFFSET = 32;

  public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** {@code n} rounded up to the alignment. */
  public static long align(long n) {
    long a = DirectFile.ALIGNMENT;
    return (n + a - 1) / a * a;
  }
}
