package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.RegisteredRegion;

import java.lang.System.Logger.Level;
import java.util.function.Predicate;

/**
 * Chooses the I/O engine: io_uring when asked for and available, else the FileChannel fallback (logged with the
 * reason).
 *
 * <p>Stateless; thread-safe.
 */
public final class FileIos {
  private static final System.Logger LOG = System.getLogger(FileIos.class.getName());

  private FileIos() {}

  /**
   * @param useUring config {@code use_uring}
   * @param queueDepth ring size and most SQEs in flight per thread
   * @param region registered region (load buffers) for READ_FIXED, or null
   * @param refusedThreads threads that must not do file I/O (event loops)
   */
  public static FileIo create(boolean useUring, int queueDepth, RegisteredRegion region,
                              Predicate<Thread> refusedThreads) {
    if (!useUring) {
      return new ChannelFileIo(refusedThreads);
    }
    String why = UringFileIo.unavailableReason();
    if (why != null) {
      LOG.log(Level.WARNING, "io_uring unavailable ({0}); SSD I/O falls back to FileChannel", why);
      return new ChannelFileIo(refusedThreads);
    }
    return new UringFileIo(queueDepth, region, refusedThreads);
  }
}
