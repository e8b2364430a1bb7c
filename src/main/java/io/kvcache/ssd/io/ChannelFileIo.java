package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.ThreadRings;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The fallback engine for machines without io_uring (or {@code use_uring=false}): the same {@link DirectFile} API on
 * {@link FileChannel}, with O_DIRECT through {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}. Every request runs
 * synchronously on the calling thread, one after the other.
 *
 * <p>Thread-safe and stateless; nothing to release on close.
 */
public final class ChannelFileIo implements FileIo {
  private final Predicate<Thread> refusedThreads;

  public ChannelFileIo(Predicate<Thread> refusedThreads) {
    this.refusedThreads = refusedThreads;
  }

  @Override
  public String engineName() {
    return "filechannel";
  }

  @Override
  public DirectFile open(Path path, OpenMode mode, Caching caching) throws IOException {
    ThreadRings.checkAllowed(refusedThreads);
    List<OpenOption> options = new ArrayList<>(List.of(StandardOpenOption.READ));
    switch (mode) {
      case READ -> { }
      case READ_WRITE -> options.add(StandardOpenOption.WRITE);
      case CREATE -> options.addAll(List.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE));
      case TRUNCATE -> options.addAll(List.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING));
    }
    if (caching == Caching.DIRECT) {
      options.add(com.sun.nio.file.ExtendedOpenOption.DIRECT);
    }
    FileChannel channel = FileChannel.open(path, options.toArray(OpenOption[]::new));
    return new ChannelDirectFile(path, caching, channel, refusedThreads);
  }

  @Override
  public void close() {
    // nothing held beyond the files, which their callers close
  }
}
