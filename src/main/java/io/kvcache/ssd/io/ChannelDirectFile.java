package io.kvcache.ssd.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@link DirectFile} on a {@link FileChannel}: positional reads and writes (pread/pwrite), one at a time, looped
 * until complete or end of file. Buffers are viewed as direct ByteBuffers of at most {@link IoChecks#MAX_CHUNK} bytes.
 *
 * <p>Thread-safe: FileChannel positional I/O is safe for concurrent use. Owns the channel.
 */
final class ChannelDirectFile extends AbstractDirectFile {
  private final FileChannel channel;

  ChannelDirectFile(Path path, Caching caching, FileChannel channel, Predicate<Thread> refusedThreads) {
    super(path, caching, refusedThreads);
    this.channel = channel;
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  protected long doRead(long offset, MemorySegment dst) throws IOException {
    long done = 0;
    while (done < dst.byteSize()) {
      ByteBuffer view = dst.asSlice(done, Math.min(IoChecks.MAX_CHUNK, dst.byteSize() - done)).asByteBuffer();
      int n = channel.read(view, offset + done);
      if (n <= 0) {
        break; // end of file
      }
      done += n;
      if (caching == Caching.DIRECT && done % ALIGNMENT != 0) {
        break; // O_DIRECT short read: the kernel stopped at end of file
      }
    }
    return done;
  }

  @Override
  protected void doWrite(long offset, MemorySegment src) throws IOException {
    long done = 0;
    while (done < src.byteSize()) {
      ByteBuffer view = src.asSlice(done, Math.min(IoChecks.MAX_CHUNK, src.byteSize() - done)).asByteBuffer();
      while (view.hasRemaining()) {
        done += channel.write(view, offset + done);
      }
    }
  }

  @Override
  protected void doBatchRead(List<ReadDesc> descs, ReadResult[] results) {
    for (int i = 0; i < descs.size(); i++) {
      if (results[i] != null) {
        continue;
      }
      try {
        results[i] = ReadResult.ok(doRead(descs.get(i).offset(), descs.get(i).dst()));
      } catch (IOException e) {
        results[i] = ReadResult.failed("read " + path + " at offset " + descs.get(i).offset() + ": " + e);
      }
    }
  }

  @Override
  protected long doReadv(long offset, List<MemorySegment> dsts) throws IOException {
    long done = 0;
    for (MemorySegment dst : dsts) {
      long n = doRead(offset + done, dst);
      done += n;
      if (n < dst.byteSize()) {
        break;
      }
    }
    return done;
  }

  @Override
  protected void doWritev(long offset, List<MemorySegment> srcs) throws IOException {
    long at = offset;
    for (MemorySegment src : srcs) {
      doWrite(at, src);
      at += src.byteSize();
    }
  }

  @Override
  protected void doDatasync() throws IOException {
    channel.force(false);
  }

  @Override
  protected void doAllocate(long offset, long length) throws IOException {
    // FileChannel cannot fallocate; extending the length keeps the contract that the range is inside the file.
    if (channel.size() < offset + length) {
      try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
        file.setLength(offset + length);
      }
    }
  }

  @Override
  protected void doClose() throws IOException {
    channel.close();
  }
}
