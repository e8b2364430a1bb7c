package io.kvcache.ssd.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.kvcache.ssd.uring.IoUringConstants.IORING_ENTER_GETEVENTS;
import static io.kvcache.ssd.uring.IoUringConstants.IORING_FEAT_NODROP;
import static io.kvcache.ssd.uring.IoUringConstants.IORING_FEAT_SINGLE_MMAP;
import static io.kvcache.ssd.uring.IoUringConstants.IORING_OFF_CQ_RING;
import static io.kvcache.ssd.uring.IoUringConstants.IORING_OFF_SQES;
import static io.kvcache.ssd.uring.IoUringConstants.IORING_OFF_SQ_RING;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One io_uring instance: the ring fd, the mmapped SQ ring, CQ ring (shared with the SQ ring under
 * IORING_FEAT_SINGLE_MMAP) and SQE array, plus the io_uring_enter/io_uring_register calls. Requests are prepared with
 * {@link #prepare} and handed to the kernel by {@link #submit}; completions are read with {@link #drainCompletions}.
 *
 * <p>Not thread-safe: a ring belongs to one thread (see {@link ThreadRings}). It owns its mappings, its arena and the
 * ring fd; {@link #close()} releases all three.
 */
public final class IoUring implements AutoCloseable {
  private final int ringFd;
  private final int features;
  private final Arena arena;
  private final MemorySegment capture;
  private final MemorySegment sqRingMap;
  private final MemorySegment cqRingMap; // == sqRingMap under IORING_FEAT_SINGLE_MMAP
  private final MemorySegment sqesMap;
  private final SubmissionQueue sq;
  private final CompletionQueue cq;
  private boolean closed;

  private IoUring(int ringFd, MemorySegment params, Arena arena, MemorySegment capture) throws NativeIoException {
    this.ringFd = ringFd;
    this.arena = arena;
    this.capture = capture;
    this.features = params.get(JAVA_INT, IoUringParamsLayout.FEATURES);
    int sqEntries = params.get(JAVA_INT, IoUringParamsLayout.SQ_ENTRIES);
    int cqEntries = params.get(JAVA_INT, IoUringParamsLayout.CQ_ENTRIES);
    long sqRingBytes = params.get(JAVA_INT, IoUringParamsLayout.SQ_OFF + SqRingOffsetsLayout.ARRAY)
        + (long) sqEntries * Integer.BYTES;
    long cqRingBytes = params.get(JAVA_INT, IoUringParamsLayout.CQ_OFF + CqRingOffsetsLayout.CQES)
        + (long) cqEntries * CqeLayout.SIZE;
    int prot = Libc.PROT_READ | Libc.PROT_WRITE;
    int flags = Libc.MAP_SHARED | Libc.MAP_POPULATE;
    MemorySegment sqMap = null;
    MemorySegment cqMap = null;
    try {
      if ((features & IORING_FEAT_SINGLE_MMAP) != 0) {
        // One mapping serves both rings; it must cover the larger of the two.
        sqMap = Libc.mmapOrThrow(Math.max(sqRingBytes, cqRingBytes), prot, flags, ringFd, IORING_OFF_SQ_RING, "sq+cq ring");
        cqMap = sqMap;
      } else {
        sqMap = Libc.mmapOrThrow(sqRingBytes, prot, flags, ringFd, IORING_OFF_SQ_RING, "sq ring");
        cqMap = Libc.mmapOrThrow(cqRingBytes, prot, flags, ringFd, IORING_OFF_CQ_RING, "cq ring");
      }
      sqesMap = Libc.mmapOrThrow(sqEntries * SqeLayout.SIZE, prot, flags, ringFd, IORING_OFF_SQES, "sqes");
    } catch (NativeIoException e) {
      unmapQuietly(sqMap);
      if (cqMap != sqMap) {
        unmapQuietly(cqMap);
      }
      throw e;
    }
    this.sqRingMap = sqMap;
    this.cqRingMap = cqMap;
    this.sq = new SubmissionQueue(sqRingMap, sqesMap, params);
    this.cq = new CompletionQueue(cqRingMap, params);
  }

  /**
   * io_uring_setup with {@code entries} SQ entries and {@code setupFlags}; maps the rings. Fails with the errno of the
   * setup call (ENOSYS: no io_uring; EPERM: disabled by sysctl; EINVAL: flags unknown to this kernel).
   */
  public static IoUring open(int entries, int setupFlags) throws NativeIoException {
    Arena arena = Arena.ofShared();
    int fd = -1;
    try {
      MemorySegment capture = arena.allocate(Libc.CAPTURE_LAYOUT);
      MemorySegment params = arena.allocate(IoUringParamsLayout.SIZE, IoUringParamsLayout.ALIGN); // zeroed
      params.set(JAVA_INT, IoUringParamsLayout.FLAGS, setupFlags);
      long res = Libc.syscall(capture, IoUringConstants.SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
      if (res < 0) {
        throw new NativeIoException("io_uring_setup(" + entries + ", flags 0x" + Integer.toHexString(setupFlags) + ")",
            (int) -res);
      }
      fd = (int) res;
      if ((params.get(JAVA_INT, IoUringParamsLayout.FEATURES) & IORING_FEAT_NODROP) == 0) {
        // Without NODROP the kernel may silently drop completions and we could return while I/O still targets caller memory.
        throw new NativeIoException("io_uring_setup: kernel lacks IORING_FEAT_NODROP (needs Linux 5.5+)", Errno.EOPNOTSUPP);
      }
      return new IoUring(fd, params, arena, capture);
    } catch (NativeIoException | RuntimeException e) {
      if (fd >= 0) {
        closeFdQuietly(fd);
      }
      arena.close();
      throw e;
    }
  }

  public int fd() {
    return ringFd;
  }

  public int features() {
    return features;
  }

  public int sqEntries() {
    return sq.entries();
  }

  public int cqEntries() {
    return cq.entries();
  }

  /** Free SQE slots right now. */
  public int sqSpace() {
    return sq.space();
  }

  /** Writes one SQE (not yet visible to the kernel). The caller checked {@link #sqSpace()}. */
  public void prepare(byte opcode, int fd, long address, int length, long fileOffset, int opFlags, long userData,
                      int bufIndex) {
    sq.prepare(opcode, fd, address, length, fileOffset, opFlags, userData, bufIndex);
  }

  /**
   * Publishes the prepared SQEs and calls io_uring_enter until the kernel has consumed all of them (it may take fewer
   * per call: partial submit), waiting for at least {@code minComplete} completions. EINTR is retried; EAGAIN/EBUSY
   * (kernel short of request memory, or completions parked in its overflow list) are returned as {@code -errno} so the
   * caller can reap completions first and call again.
   *
   * @return 0, or -EAGAIN / -EBUSY
   * @throws NativeIoException on any other error, which leaves the ring unusable
   */
  public int submit(int minComplete) throws NativeIoException {
    sq.publish();
    boolean waited = false;
    while (true) {
      int toSubmit = sq.unsubmitted();
      int wait = waited ? 0 : minComplete;
      if (toSubmit == 0 && wait == 0) {
        return 0;
      }
      int flags = wait > 0 ? IORING_ENTER_GETEVENTS : 0;
      long res = Libc.syscall(capture, IoUringConstants.SYS_IO_URING_ENTER, ringFd, toSubmit, wait, flags, 0, 0);
      if (res == -Errno.EINTR) {
        continue;
      }
      if (res == -Errno.EAGAIN || res == -Errno.EBUSY) {
        return (int) res;
      }
      if (res < 0) {
        throw new NativeIoException("io_uring_enter(ring fd " + ringFd + ", submit " + toSubmit + ", wait " + wait + ")",
            (int) -res);
      }
      // The kernel waits only after submitting everything asked for; after a partial submit it returns at once, so
      // the next round submits the rest and waits then. A short wait (signal) is tolerated by callers, who loop.
      waited = res == toSubmit;
    }
  }

  /**
   * Flushes completions the kernel parked in its overflow list back into the CQ ring (needed only if the CQ filled up).
   * @return true if there was something to flush
   */
  public boolean flushOverflow() throws NativeIoException {
    if (!sq.cqOverflowPending()) {
      return false;
    }
    long res = Libc.syscall(capture, IoUringConstants.SYS_IO_URING_ENTER, ringFd, 0, 0, IORING_ENTER_GETEVENTS, 0, 0);
    if (res < 0 && res != -Errno.EINTR && res != -Errno.EAGAIN && res != -Errno.EBUSY) {
      throw new NativeIoException("io_uring_enter(flush overflow)", (int) -res);
    }
    return true;
  }

  /** Hands all posted completions to {@code handler}; returns how many. */
  public int drainCompletions(CompletionQueue.Handler handler) {
    return cq.drain(handler);
  }

  /** Completions the kernel dropped (counter in the CQ ring); non-zero means tracking of in-flight requests is lost. */
  public int droppedCompletions() {
    return cq.overflow();
  }

  /** SQEs the kernel discarded as invalid. */
  public int droppedSubmissions() {
    return sq.dropped();
  }

  /** IORING_REGISTER_BUFFERS with {@code count} iovecs at {@code iovecs}; returns 0 or -errno. */
  public int registerBuffers(MemorySegment iovecs, int count) {
    long res = Libc.syscall(capture, IoUringConstants.SYS_IO_URING_REGISTER, ringFd,
        IoUringConstants.IORING_REGISTER_BUFFERS, iovecs.address(), count, 0, 0);
    return (int) res;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Unmaps the rings and closes the ring fd (the kernel then drops the registered buffers). Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    unmapQuietly(sqesMap);
    if (cqRingMap != sqRingMap) {
      unmapQuietly(cqRingMap);
    }
    unmapQuietly(sqRingMap);
    closeFdQuietly(ringFd);
    arena.close();
  }

  private static void unmapQuietly(MemorySegment mapping) {
    if (mapping == null) {
      return;
    }
    try {
      Libc.munmapOrThrow(mapping);
    } catch (NativeIoException e) {
      System.getLogger(IoUring.class.getName()).log(System.Logger.Level.WARNING, e.getMessage());
    }
  }

  private static void closeFdQuietly(int fd) {
    try {
      Libc.closeOrThrow(fd);
    } catch (NativeIoException e) {
      System.getLogger(IoUring.class.getName()).log(System.Logger.Level.WARNING, e.getMessage());
    }
  }
}
