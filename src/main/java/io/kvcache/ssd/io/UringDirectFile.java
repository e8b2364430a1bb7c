package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.Errno;
import io.kvcache.ssd.uring.Libc;
import io.kvcache.ssd.uring.NativeIoException;
import io.kvcache.ssd.uring.RwRequest;
import io.kvcache.ssd.uring.SyncRequest;
import io.kvcache.ssd.uring.ThreadRing;
import io.kvcache.ssd.uring.ThreadRings;
import io.kvcache.ssd.uring.UringRequest;
import io.kvcache.ssd.uring.VectorRequest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.kvcache.ssd.uring.IovecLayout.ALIGN;
import static io.kvcache.ssd.uring.IovecLayout.BASE;
import static io.kvcache.ssd.uring.IovecLayout.LEN;
import static io.kvcache.ssd.uring.IovecLayout.SIZE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A file whose I/O runs on the calling thread's io_uring ring. Contiguous transfers are split into at most
 * queue-depth pieces ({@link IoChecks#chunkSize}); batch reads put one request per desc; vectored I/O packs up to
 * {@link #IOV_MAX} iovecs per READV/WRITEV.
 *
 * <p>Thread-safe: the only state is the fd; each call runs on its own thread's ring. Owns the fd.
 */
final class UringDirectFile extends AbstractDirectFile {
  /** Most iovecs one READV/WRITEV may carry (Linux UIO_MAXIOV). */
  static final int IOV_MAX = 1024;

  private final int fd;
  private final ThreadRings rings;

  UringDirectFile(Path path, Caching caching, int fd, ThreadRings rings, Predicate<Thread> refusedThreads) {
    super(path, caching, refusedThreads);
    this.fd = fd;
    this.rings = rings;
  }

  private int eofAlignment() {
    return caching == Caching.DIRECT ? ALIGNMENT : 1;
  }

  @Override
  public long size() throws IOException {
    return Files.size(path);
  }

  @Override
  protected long doRead(long offset, MemorySegment dst) throws IOException {
    ThreadRing ring = rings.current();
    List<RwRequest> pieces = new ArrayList<>();
    addReadPieces(ring, offset, dst, IoChecks.chunkSize(dst.byteSize(), rings.queueDepth()), pieces);
    ring.run(pieces);
    return bytesOrThrow(pieces, 0, pieces.size(), "read", offset);
  }

  @Override
  protected void doWrite(long offset, MemorySegment src) throws IOException {
    ThreadRing ring = rings.current();
    long chunk = IoChecks.chunkSize(src.byteSize(), rings.queueDepth());
    List<RwRequest> pieces = new ArrayList<>();
    for (long at = 0; at < src.byteSize(); at += chunk) {
      int length = (int) Math.min(chunk, src.byteSize() - at);
      pieces.add(ring.write(fd, src.address() + at, length, offset + at));
    }
    ring.run(pieces);
    bytesOrThrow(pieces, 0, pieces.size(), "write", offset);
  }

  @Override
  protected void doBatchRead(List<ReadDesc> descs, ReadResult[] results) throws IOException {
    ThreadRing ring = rings.current();
    List<RwRequest> pieces = new ArrayList<>(descs.size());
    int[] firstPiece = new int[descs.size() + 1];
    for (int i = 0; i < descs.size(); i++) {
      firstPiece[i] = pieces.size();
      if (results[i] == null) {
        addReadPieces(ring, descs.get(i).offset(), descs.get(i).dst(), IoChecks.MAX_CHUNK, pieces);
      }
    }
    firstPiece[descs.size()] = pieces.size();
    ring.run(pieces);
    for (int i = 0; i < descs.size(); i++) {
      if (results[i] == null) {
        results[i] = resultOf(pieces, firstPiece[i], firstPiece[i + 1], descs.get(i).offset());
      }
    }
  }

  /**
   * Reads {@code descs.get(i)} from {@code files.get(i)}, all in one run of this thread's ring (requests carry their own
   * fd, so reads of different files share the submissions and the queue depth). Invalid descs fail alone (EINVAL).
   */
  static List<ReadResult> batchReadAcross(ThreadRings rings, List<UringDirectFile> files, List<ReadDesc> descs)
      throws IOException {
    ThreadRing ring = rings.current();
    ReadResult[] results = new ReadResult[descs.size()];
    List<RwRequest> pieces = new ArrayList<>(descs.size());
    int[] firstPiece = new int[descs.size() + 1];
    for (int i = 0; i < descs.size(); i++) {
      UringDirectFile file = files.get(i);
      ReadDesc desc = descs.get(i);
      file.enter();
      firstPiece[i] = pieces.size();
      String why = IoChecks.whyInvalid(desc.offset(), desc.dst(), true, file.caching);
      if (why != null) {
        results[i] = ReadResult.failed(Errno.EINVAL, why);
      } else if (desc.dst().byteSize() == 0) {
        results[i] = ReadResult.ok(0);
      } else {
        file.addReadPieces(ring, desc.offset(), desc.dst(), IoChecks.MAX_CHUNK, pieces);
      }
    }
    firstPiece[descs.size()] = pieces.size();
    ring.run(pieces);
    for (int i = 0; i < descs.size(); i++) {
      if (results[i] == null) {
        results[i] = files.get(i).resultOf(pieces, firstPiece[i], firstPiece[i + 1], descs.get(i).offset());
      }
    }
    return java.util.Arrays.asList(results);
  }

  @Override
  protected long doReadv(long offset, List<MemorySegment> dsts) throws IOException {
    return vectored(true, offset, dsts);
  }

  @Override
  protected void doWritev(long offset, List<MemorySegment> srcs) throws IOException {
    vectored(false, offset, srcs);
  }

  private long vectored(boolean isRead, long offset, List<MemorySegment> buffers) throws IOException {
    ThreadRing ring = rings.current();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment iovecs = arena.allocate(buffers.size() * SIZE, ALIGN);
      List<VectorRequest> groups = new ArrayList<>();
      long groupOffset = offset;
      for (int first = 0; first < buffers.size(); first += IOV_MAX) {
        int count = Math.min(IOV_MAX, buffers.size() - first);
        MemorySegment group = iovecs.asSlice(first * SIZE, count * SIZE);
        long start = groupOffset;
        for (int i = 0; i < count; i++) {
          MemorySegment buffer = buffers.get(first + i);
          group.set(JAVA_LONG, i * SIZE + BASE, buffer.address());
          group.set(JAVA_LONG, i * SIZE + LEN, buffer.byteSize());
          groupOffset += buffer.byteSize();
        }
        groups.add(ring.vector(isRead, fd, group, count, start, eofAlignment()));
      }
      ring.run(groups);
      return bytesOrThrow(groups, 0, groups.size(), isRead ? "readv" : "writev", offset);
    }
  }

  @Override
  protected void doDatasync() throws IOException {
    ThreadRing ring = rings.current();
    SyncRequest sync = new SyncRequest(fd);
    ring.run(List.of(sync));
    if (sync.failed()) {
      throw new NativeIoException("fdatasync " + path, sync.errno());
    }
  }

  @Override
  protected void doAllocate(long offset, long length) throws IOException {
    Libc.fallocateOrThrow(fd, offset, length);
  }

  @Override
  protected void doClose() throws IOException {
    Libc.closeOrThrow(fd);
  }

  private void addReadPieces(ThreadRing ring, long offset, MemorySegment dst, long chunk, List<RwRequest> out) {
    for (long at = 0; at < dst.byteSize(); at += chunk) {
      int length = (int) Math.min(chunk, dst.byteSize() - at);
      out.add(ring.read(fd, dst.address() + at, length, offset + at, eofAlignment()));
    }
  }

  /** Result of the pieces [from, to) of one desc: the bytes up to the first short piece, or the first error. */
  private ReadResult resultOf(List<RwRequest> pieces, int from, int to, long offset) {
    for (int i = from; i < to; i++) {
      if (pieces.get(i).failed()) {
        return ReadResult.failed(pieces.get(i).errno(), "read " + path + " at offset " + offset);
      }
    }
    return ReadResult.ok(prefixBytes(pieces, from, to));
  }

  private long bytesOrThrow(List<? extends UringRequest> pieces, int from, int to, String op, long offset)
      throws NativeIoException {
    for (int i = from; i < to; i++) {
      if (pieces.get(i).failed()) {
        throw new NativeIoException(op + " " + path + " at offset " + offset, pieces.get(i).errno());
      }
    }
    return prefixBytes(pieces, from, to);
  }

  /** Bytes of the pieces up to and including the first one that came back short (end of file). */
  private static long prefixBytes(List<? extends UringRequest> pieces, int from, int to) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      UringRequest piece = pieces.get(i);
      sum += piece.transferred();
      if (piece.transferred() < piece.requested()) {
        break;
      }
    }
    return sum;
  }
}
