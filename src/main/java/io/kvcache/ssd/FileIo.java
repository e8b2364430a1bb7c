package io.kvcache.ssd;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An I/O engine that opens {@link DirectFile}s: io_uring ({@link UringFileIo}) or the FileChannel fallback
 * ({@link ChannelFileIo}). {@link FileIos#create} picks one from the options.
 *
 * <p>Thread-safe. Closing the engine releases its per-thread resources; files it opened must be closed first.
 */
public interface FileIo extends AutoCloseable {
  /** "io_uring" or "filechannel". */
  String engineName();

  /** Opens {@code path} for O_DIRECT I/O. */
  default DirectFile open(Path path, OpenMode mode) throws IOException {
    return open(path, mode, Caching.DIRECT);
  }

  DirectFile open(Path path, OpenMode mode, Caching caching) throws IOException;

  @Override
  void close();
}
