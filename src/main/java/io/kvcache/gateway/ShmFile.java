package io.kvcache.gateway;

import io.kvcache.proto.v1.ErrorCode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Checks and maps the file a same-host client registers as a shared buffer. The file must be a regular file directly
 * inside the shm directory (an absolute, normalised path: no ".."; the file itself not a link), owned by the node's
 * user, mode exactly 0600, and exactly the declared size. It is opened without following links and checked again
 * through the open descriptor's path (same device and inode, still acceptable), so a file swapped in between the check
 * and the open is refused. Every refusal says which rule failed.
 *
 * <p>Thread-safe (stateless); {@link #map} blocks on file-system calls, so it runs on a worker thread.
 */
final class ShmFile {
  private static final int TYPE_MASK = 0170000;
  private static final int REGULAR_FILE = 0100000;
  private static final int REQUIRED_MODE = 0600;

  /** A mapped file, or why it was refused ({@code arena} and {@code memory} null then). */
  record Mapped(ErrorCode code, String message, Arena arena, MemorySegment memory) {
    static Mapped refused(ErrorCode code, String why) {
      return new Mapped(code, why, null, null);
    }

    boolean isOk() {
      return code == ErrorCode.OK;
    }
  }

  private ShmFile() {}

  /** Maps {@code path} read-write into a new shared arena if it passes every check; blocking. */
  static Mapped map(Path directory, int nodeUid, String path, long size) {
    Path file;
    try {
      file = Path.of(path);
    } catch (InvalidPathException e) {
      return Mapped.refused(ErrorCode.INVALID_PARAMS, "not a path");
    }
    if (!file.isAbsolute() || !file.normalize().equals(file) || file.getParent() == null
        || !file.getParent().equals(directory)) {
      return Mapped.refused(ErrorCode.INVALID_PARAMS, "the file must be directly inside " + directory);
    }
    try {
      Map<String, Object> before = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
      String refusal = refusal(before, nodeUid, size);
      if (refusal != null) {
        return Mapped.refused(ErrorCode.INVALID_PARAMS, refusal);
      }
      // O_NOFOLLOW: a link swapped in since the check fails to open (ELOOP) instead of being followed.
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS)) {
        Map<String, Object> after = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
        if (!before.get("ino").equals(after.get("ino")) || !before.get("dev").equals(after.get("dev"))) {
          return Mapped.refused(ErrorCode.INVALID_PARAMS, "the file was replaced while it was being registered");
        }
        refusal = refusal(after, nodeUid, size);
        if (refusal == null && channel.size() != size) {
          refusal = "the file's size changed while it was being registered";
        }
        if (refusal != null) {
          return Mapped.refused(ErrorCode.INVALID_PARAMS, refusal);
        }
        Arena arena = Arena.ofShared();
        try {
          return new Mapped(ErrorCode.OK, "", arena, channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
        } catch (IOException | RuntimeException e) {
          arena.close();
          return Mapped.refused(ErrorCode.FILE_OPEN_FAIL, "the file could not be mapped: " + e.getMessage());
        }
      }
    } catch (NoSuchFileException e) {
      return Mapped.refused(ErrorCode.FILE_NOT_FOUND, "no such file");
    } catch (IOException | RuntimeException e) {
      return Mapped.refused(ErrorCode.FILE_OPEN_FAIL, "the file could not be opened: " + e.getClass().getSimpleName());
    }
  }

  /** Which rule the file's attributes break, or null. */
  private static String refusal(Map<String, Object> attributes, int nodeUid, long size) {
    int mode = (Integer) attributes.get("mode");
    if ((mode & TYPE_MASK) != REGULAR_FILE) {
      return "not a regular file (links, directories and devices are refused)";
    }
    int uid = (Integer) attributes.get("uid");
    if (uid != nodeUid) {
      return "the file belongs to uid " + uid + ", not to the node's user (uid " + nodeUid + ")";
    }
    if ((mode & 07777) != REQUIRED_MODE) {
      return "the file's mode is 0" + Integer.toOctalString(mode & 07777) + "; it must be 0600";
    }
    long actual = (Long) attributes.get("size");
    if (actual != size) {
      return "the file has " + actual + " bytes, not the " + size + " declared";
    }
    return null;
  }
}
