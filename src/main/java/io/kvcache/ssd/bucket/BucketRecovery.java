package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.OpenMode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rebuilds a {@link BucketIndex} from the store directory at startup. A bucket counts only if its meta decodes and
 * passes its checksum, its data file exists, is at least as long as the meta says and starts with a header naming the
 * same bucket and length; anything else is a torn bucket and both files are deleted. Data files without a meta and
 * leftover {@code .meta.tmp} files are orphans of interrupted writes and are deleted too. Other files are left alone.
 *
 * <p>Not thread-safe: runs once, before the store is shared.
 */
final class BucketRecovery {
  private static final System.Logger LOG = System.getLogger(BucketRecovery.class.getName());

  private final FileIo io;
  private final BucketFiles files;
  private final BucketStoreStats stats;

  BucketRecovery(FileIo io, BucketFiles files, BucketStoreStats stats) {
    this.io = io;
    this.files = files;
    this.stats = stats;
  }

  void recover(BucketIndex index) throws IOException {
    Set<Long> dataIds = new HashSet<>();
    TreeMap<Long, Path> metas = new TreeMap<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(files.dir())) {
      for (Path path : dir) {
        String name = path.getFileName().toString();
        if (BucketFiles.idOf(name, BucketMetaLayout.TEMP_SUFFIX) >= 0) {
          deleteOrphan(path);
        } else if (BucketFiles.idOf(name, BucketMetaLayout.SUFFIX) >= 0) {
          metas.put(BucketFiles.idOf(name, BucketMetaLayout.SUFFIX), path);
        } else if (BucketFiles.idOf(name, BucketFileLayout.SUFFIX) >= 0) {
          dataIds.add(BucketFiles.idOf(name, BucketFileLayout.SUFFIX));
        }
      }
    }
    long now = System.nanoTime();
    for (long id : metas.keySet()) {
      BucketMeta meta = readValid(id, dataIds.contains(id));
      dataIds.remove(id);
      if (meta == null) {
        stats.tornBucketsDeleted.increment();
        files.deleteBucket(id);
        continue;
      }
      List<SsdKey> skipped = index.publish(meta, now);
      if (!skipped.isEmpty()) {
        LOG.log(Level.WARNING, "bucket {0}: {1} keys also stored in an earlier bucket were ignored",
            String.valueOf(id), skipped.size());
      }
    }
    for (long id : dataIds) {
      deleteOrphan(files.data(id));
    }
    files.syncDir();
  }

  /** The bucket's meta if the bucket is complete and consistent, else null (with the reason logged). */
  private BucketMeta readValid(long id, boolean hasData) throws IOException {
    if (!hasData) {
      return torn(id, "data file missing");
    }
    try (Arena arena = Arena.ofConfined()) {
      BucketMeta meta;
      try (DirectFile file = io.open(files.meta(id), OpenMode.READ)) {
        MemorySegment raw = arena.allocate(BucketFileLayout.align(Math.max(1, file.size())), DirectFile.ALIGNMENT);
        long read = file.read(0, raw);
        meta = BucketMeta.decode(raw.asSlice(0, read));
      } catch (BucketMeta.CorruptMetaException e) {
        return torn(id, "meta unreadable: " + e.getMessage());
      }
      if (meta.bucketId() != id) {
        return torn(id, "meta names bucket " + meta.bucketId());
      }
      try (DirectFile data = io.open(files.data(id), OpenMode.READ)) {
        if (data.size() < meta.dataBytes()) {
          return torn(id, "data file has " + data.size() + " bytes, meta expects " + meta.dataBytes());
        }
        MemorySegment header = arena.allocate(BucketFileLayout.HEADER_BYTES, DirectFile.ALIGNMENT);
        if (data.read(0, header) < BucketFileLayout.HEADER_BYTES) {
          return torn(id, "data file header short");
        }
        String mismatch = BucketHeader.mismatch(header, id, meta.dataBytes());
        return mismatch == null ? meta : torn(id, "data file " + mismatch);
      }
    }
  }

  private static BucketMeta torn(long id, String why) {
    LOG.log(Level.WARNING, "bucket {0} is torn ({1}); deleting it", String.valueOf(id), why);
    return null;
  }

  private void deleteOrphan(Path path) throws IOException {
    LOG.log(Level.INFO, "deleting orphan {0}", path);
    Files.deleteIfExists(path);
    stats.orphanFilesDeleted.increment();
  }
}
