package io.kvcache.ssd.bucket;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Names of a bucket's files in the store directory ({@code <id>.bucket}, {@code <id>.meta}, {@code <id>.meta.tmp}) and
 * the directory-level operations: delete, fsync of the directory (so creations, renames and deletions are durable).
 *
 * <p>Immutable; thread-safe.
 */
final class BucketFiles {
  private final Path dir;

  BucketFiles(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  Path data(long bucketId) {
    return dir.resolve(bucketId + BucketFileLayout.SUFFIX);
  }

  Path meta(long bucketId) {
    return dir.resolve(bucketId + BucketMetaLayout.SUFFIX);
  }

  Path tempMeta(long bucketId) {
    return dir.resolve(bucketId + BucketMetaLayout.TEMP_SUFFIX);
  }

  /** The bucket id a file name stands for with {@code suffix}, or -1 if the name is not {@code <digits><suffix>}. */
  static long idOf(String fileName, String suffix) {
    if (!fileName.endsWith(suffix) || fileName.length() == suffix.length()) {
      return -1;
    }
    String digits = fileName.substring(0, fileName.length() - suffix.length());
    for (int i = 0; i < digits.length(); i++) {
      if (!Character.isDigit(digits.charAt(i))) {
        return -1;
      }
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Deletes the meta first, so that a crash half-way leaves an orphan data file (cleaned at startup), never a meta
   * pointing at nothing. */
  void deleteBucket(long bucketId) throws IOException {
    Files.deleteIfExists(meta(bucketId));
    Files.deleteIfExists(tempMeta(bucketId));
    Files.deleteIfExists(data(bucketId));
    syncDir();
  }

  /** Makes the directory's entries (creations, renames, deletions) durable. */
  void syncDir() throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
