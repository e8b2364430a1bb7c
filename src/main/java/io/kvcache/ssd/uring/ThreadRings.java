package io.kvcache.ssd.uring;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One io_uring ring per thread, created lazily on the thread's first I/O and used only by that thread (no locks, no
 * ring setup per file). Refuses to create a ring on a thread that must not block, by default Vert.x event-loop threads
 * (recognised by name, so this class needs no Vert.x import). Owns every ring it created: rings of threads that died
 * are closed when the next ring is created, the rest by {@link #close()}.
 *
 * <p>Thread-safe: {@link #current()} may be called from any thread; the ring it returns is confined to the caller.
 * {@link #close()} must only be called once no thread is doing I/O through this engine.
 */
public final class ThreadRings implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ThreadRings.class.getName());

  /** Thread-name prefix of Vert.x event-loop threads. */
  public static final String VERTX_EVENT_LOOP_PREFIX = "vert.x-eventloop-thread";
  /** Default refusal rule: Vert.x event loops must never block on disk I/O. */
  public static final Predicate<Thread> EVENT_LOOP_THREADS = t -> t.getName().startsWith(VERTX_EVENT_LOOP_PREFIX);

  /** Setup flags tried first: one submitter thread, completions run at our io_uring_enter, submit past a bad SQE. */
  static final int PREFERRED_SETUP_FLAGS = IoUringConstants.IORING_SETUP_SINGLE_ISSUER
      | IoUringConstants.IORING_SETUP_DEFER_TASKRUN | IoUringConstants.IORING_SETUP_SUBMIT_ALL
      | IoUringConstants.IORING_SETUP_CLAMP;
  /** Fallback for kernels older than 6.1 that reject the flags above. */
  static final int BASIC_SETUP_FLAGS = IoUringConstants.IORING_SETUP_CLAMP;

  private final int queueDepth;
  private final RegisteredRegion region;
  private final Predicate<Thread> refused;
  private final UringStats stats = new UringStats();
  private final ThreadLocal<ThreadRing> local = new ThreadLocal<>();
  private final Set<ThreadRing> live = ConcurrentHashMap.newKeySet();
  private volatile int setupFlags = PREFERRED_SETUP_FLAGS;
  private volatile boolean closed;

  /**
   * @param queueDepth SQ entries of each ring and the most SQEs one thread keeps in flight (1..4096)
   * @param region the registered region (load buffers), or null for none
   * @param refused threads that must not get a ring (I/O on them fails with IllegalStateException)
   */
  public ThreadRings(int queueDepth, RegisteredRegion region, Predicate<Thread> refused) {
    if (queueDepth < 1 || queueDepth > 4096) {
      throw new IllegalArgumentException("queue depth must be in 1..4096, got " + queueDepth);
    }
    this.queueDepth = queueDepth;
    this.region = region;
    this.refused = refused;
  }

  public int queueDepth() {
    return queueDepth;
  }

  public RegisteredRegion region() {
    return region;
  }

  public UringStats stats() {
    return stats;
  }

  /** Rings currently open (one per live thread that did I/O). */
  public int liveRings() {
    return live.size();
  }

  /** Names of the threads that own the open rings (diagnostics: shows which threads do SSD I/O). */
  public List<String> ringOwnerNames() {
    return live.stream().map(r -> r.owner().getName()).sorted().toList();
  }

  /**
   * The calling thread's ring, created on first use.
   *
   * @throws IllegalStateException on a refused thread (a Vert.x event loop) or after {@link #close()}
   * @throws NativeIoException if io_uring_setup or the ring mappings fail
   */
  public ThreadRing current() throws NativeIoException {
    if (closed) {
      throw new IllegalStateException("io_uring engine is closed");
    }
    ThreadRing ring = local.get();
    if (ring != null) {
      return ring;
    }
    Thread thread = Thread.currentThread();
    checkAllowed(refused);
    closeRingsOfDeadThreads();
    ring = new ThreadRing(openRing(), queueDepth, thread, region, this);
    live.add(ring);
    local.set(ring);
    stats.ringsCreated.increment();
    if (closed) { // close() raced with us: it may not have seen this ring
      discard(ring);
      throw new IllegalStateException("io_uring engine is closed");
    }
    return ring;
  }

  /** Throws IllegalStateException if the calling thread is one that must not block on file I/O. */
  public static void checkAllowed(Predicate<Thread> refused) {
    Thread thread = Thread.currentThread();
    if (refused.test(thread)) {
      throw new IllegalStateException("blocking SSD I/O refused on thread '" + thread.getName()
          + "': it is an event loop; run file I/O on a worker thread (SsdIoVerticle's pool)");
    }
  }

  private IoUring openRing() throws NativeIoException {
    int flags = setupFlags;
    try {
      return IoUring.open(queueDepth, flags);
    } catch (NativeIoException e) {
      if (e.errno() != Errno.EINVAL || flags == BASIC_SETUP_FLAGS) {
        throw e;
      }
      LOG.log(Level.INFO, "io_uring setup flags 0x{0} not supported ({1}); using 0x{2}",
          Integer.toHexString(flags), e.getMessage(), Integer.toHexString(BASIC_SETUP_FLAGS));
      setupFlags = BASIC_SETUP_FLAGS;
      return IoUring.open(queueDepth, BASIC_SETUP_FLAGS);
    }
  }

  /** Registers {@code region} on {@code ring}; on failure logs and counts it once for that ring. */
  boolean registerRegion(ThreadRing ring, RegisteredRegion region) {
    int res = region.registerOn(ring.ring());
    if (res == 0) {
      stats.registrations.increment();
      return true;
    }
    stats.registrationFailures.increment();
    LOG.log(Level.WARNING, "IORING_REGISTER_BUFFERS of the {0}-byte load-buffer region failed on the ring of thread "
        + "''{1}'': {2}; this thread falls back to plain reads", String.valueOf(region.segment().byteSize()),
        ring.owner().getName(), Errno.describe(res));
    return false;
  }

  /** Drops a ring that failed at the io_uring level; the thread's next I/O sets up a fresh one. */
  void discardBroken(ThreadRing ring) {
    stats.brokenRings.increment();
    if (local.get() == ring) {
      local.remove();
    }
    discard(ring);
  }

  private void discard(ThreadRing ring) {
    if (live.remove(ring)) {
      ring.close();
      stats.ringsClosed.increment();
    }
  }

  private void closeRingsOfDeadThreads() {
    for (ThreadRing ring : live) {
      if (!ring.owner().isAlive()) {
        discard(ring); // its thread is gone, so nobody can be using it
      }
    }
  }

  /** Closes every ring. Call only when no thread does I/O through this engine any more; later I/O is refused. */
  @Override
  public void close() {
    closed = true;
    for (ThreadRing ring : live) {
      discard(ring);
    }
  }
}
