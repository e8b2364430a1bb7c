package io.kvcache.ssd.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

  /**
   * Independent reads over several files ({@code descs.get(i)} from {@code files.get(i)}), each with its own result. An
   * engine that can keeps them all in flight together (io_uring: one submission across files); the default reads file
   * by file with {@link DirectFile#batchRead}.
   */
  default List<ReadResult> batchReadAcross(List<DirectFile> files, List<ReadDesc> descs) throws IOException {
    ReadResult[] results = new ReadResult[descs.size()];
    java.util.Map<DirectFile, List<Integer>> byFile = new java.util.LinkedHashMap<>();
    for (int i = 0; i < descs.size(); i++) {
      byFile.computeIfAbsent(files.get(i), f -> new java.util.ArrayList<>()).add(i);
    }
    for (var e : byFile.entrySet()) {
      List<ReadResult> reads = e.getKey().batchRead(e.getValue().stream().map(descs::get).toList());
      for (int k = 0; k < reads.size(); k++) {
        results[e.getValue().get(k)] = reads.get(k);
      }
    }
    return java.util.Arrays.asList(results);
  }

  @Override
  void close();
}
