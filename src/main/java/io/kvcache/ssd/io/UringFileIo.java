package io.kvcache.ssd.io;

import java.util.List;
import io.kvcache.ssd.uring.Errno;
import io.kvcache.ssd.uring.IoUring;
import io.kvcache.ssd.uring.Libc;
import io.kvcache.ssd.uring.NativeIoException;
import io.kvcache.ssd.uring.RegisteredRegion;
import io.kvcache.ssd.uring.ThreadRings;
import io.kvcache.ssd.uring.UringStats;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The io_uring engine: files are opened with open(2) and all their I/O goes through the calling thread's ring
 * ({@link ThreadRings}), with reads into the registered region as READ_FIXED.
 *
 * <p>Thread-safe. Owns its rings ({@link #close()} closes them once no thread does I/O any more).
 */
public final class UringFileIo implements FileIo {
  private static final int FILE_MODE = 0644;

  private final ThreadRings rings;
  private final Predicate<Thread> refusedThreads;

  public UringFileIo(int queueDepth, RegisteredRegion region, Predicate<Thread> refusedThreads) {
    this.rings = new ThreadRings(queueDepth, region, refusedThreads);
    this.refusedThreads = refusedThreads;
  }

  /** Null if io_uring works on this machine (a ring can be set up), else why not, e.g. "EPERM (1)". */
  public static String unavailableReason() {
    String arch = System.getProperty("os.arch");
    if (!System.getProperty("os.name").startsWith("Linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
      return "io_uring needs Linux on amd64/aarch64, this is " + System.getProperty("os.name") + "/" + arch;
    }
    try (IoUring ring = IoUring.open(2, 0)) {
      return ring.fd() >= 0 ? null : "io_uring_setup returned no fd";
    } catch (NativeIoException e) {
      return e.getMessage();
    } catch (UnsatisfiedLinkError | IllegalCallerException e) {
      return "native access unavailable: " + e;
    }
  }

  @Override
  public String engineName() {
    return "io_uring";
  }

  @Override
  public List<ReadResult> batchReadAcross(List<DirectFile> files, List<ReadDesc> descs) throws IOException {
    List<UringDirectFile> uringFiles = new java.util.ArrayList<>(files.size());
    for (DirectFile f : files) {
      if (!(f instanceof UringDirectFile u)) {
        return FileIo.super.batchReadAcross(files, descs);
      }
      uringFiles.add(u);
    }
    return UringDirectFile.batchReadAcross(rings, uringFiles, descs);
  }

  public ThreadRings rings() {
    return rings;
  }

  public UringStats stats() {
    return rings.stats();
  }

  @Override
  public DirectFile open(Path path, OpenMode mode, Caching caching) throws IOException {
    ThreadRings.checkAllowed(refusedThreads);
    int flags = Libc.O_CLOEXEC | (caching == Caching.DIRECT ? Libc.O_DIRECT : 0) | switch (mode) {
      case READ -> Libc.O_RDONLY;
      case READ_WRITE -> Libc.O_RDWR;
      case CREATE -> Libc.O_RDWR | Libc.O_CREAT;
      case TRUNCATE -> Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC;
    };
    try {
      int fd = Libc.openOrThrow(path.toString(), flags, FILE_MODE);
      return new UringDirectFile(path, caching, fd, rings, refusedThreads);
    } catch (NativeIoException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new java.nio.file.NoSuchFileException(path.toString(), null, e.getMessage());
      }
      throw e;
    }
  }

  @Override
  public void close() {
    rings.close();
  }
}
