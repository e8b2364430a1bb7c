package io.kvcache.ssd.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM downcalls into libc: {@code syscall} (for the three io_uring syscalls), mmap/munmap/mprotect, open/close and
 * fallocate, each capturing errno. Raw calls return the kernel convention ({@code >= 0} on success, {@code -errno} on
 * failure) so that hot paths handle EINTR/EAGAIN without exceptions; the {@code OrThrow} helpers raise
 * {@link NativeIoException} naming the errno.
 *
 * <p>Stateless and thread-safe: each call gets its errno from the capture segment its caller passes or a per-call arena.
 */
public final class Libc {
  private Libc() {}

  // open(2) flags; O_DIRECT is the only one that differs between x86_64 and aarch64.
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0x40;
  public static final int O_TRUNC = 0x200;
  public static final int O_CLOEXEC = 0x80000;
  public static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0x10000 : 0x4000;

  // mmap(2)/mprotect(2)
  public static final int PROT_NONE = 0;
  public static final int PROT_READ = 1;
  public static final int PROT_WRITE = 2;
  public static final int MAP_SHARED = 0x1;
  public static final int MAP_PRIVATE = 0x2;
  public static final int MAP_ANONYMOUS = 0x20;
  public static final int MAP_POPULATE = 0x8000;
  private static final long MAP_FAILED = -1L;

  /** Layout of the errno capture segment; the first parameter of every downcall below. */
  public static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  // long syscall(long nr, ...): glibc reads every variadic argument as a long, so all six travel as JAVA_LONG.
  private static final MethodHandle SYSCALL6 = downcall("syscall",
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
      Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
  private static final MethodHandle MMAP = downcall("mmap",
      FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
  private static final MethodHandle MUNMAP = downcall("munmap",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
  private static final MethodHandle MPROTECT = downcall("mprotect",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
  private static final MethodHandle OPEN = downcall("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
  private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
  private static final MethodHandle FALLOCATE = downcall("fallocate",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  /** errno stored by the last downcall that used {@code capture}. */
  public static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  /** {@code syscall(nr, a1..a6)}: the result, or -errno. {@code capture} is a segment of {@link #CAPTURE_LAYOUT}. */
  public static long syscall(MemorySegment capture, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    try {
      long result = (long) SYSCALL6.invokeExact(capture, nr, a1, a2, a3, a4, a5, a6);
      return result < 0 ? -errno(capture) : result;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Maps {@code length} bytes; the returned segment has that size (a restricted reinterpret). */
  public static MemorySegment mmapOrThrow(long length, int prot, int flags, int fd, long offset, String what)
      throws NativeIoException {
    long address = callOrThrow("mmap " + what, (capture, arena) -> {
      MemorySegment mapped = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
      return mapped.address() == MAP_FAILED ? -1L : mapped.address();
    });
    return MemorySegment.ofAddress(address).reinterpret(length);
  }

  public static void munmapOrThrow(MemorySegment mapping) throws NativeIoException {
    callOrThrow("munmap", (capture, arena) -> (long) (int) MUNMAP.invokeExact(capture, mapping, mapping.byteSize()));
  }

  public static void mprotectOrThrow(MemorySegment mapping, int prot) throws NativeIoException {
    callOrThrow("mprotect", (capture, arena) ->
        (long) (int) MPROTECT.invokeExact(capture, mapping, mapping.byteSize(), prot));
  }

  /** open(2): the new fd. */
  public static int openOrThrow(String path, int flags, int mode) throws NativeIoException {
    return (int) callOrThrow("open " + path, (capture, arena) ->
        (long) (int) OPEN.invokeExact(capture, arena.allocateFrom(path), flags, mode));
  }

  public static void closeOrThrow(int fd) throws NativeIoException {
    callOrThrow("close fd " + fd, (capture, arena) -> (long) (int) CLOSE.invokeExact(capture, fd));
  }

  /** fallocate(2) with mode 0: allocates blocks for [offset, offset+length) and extends the size if needed. */
  public static void fallocateOrThrow(int fd, long offset, long length) throws NativeIoException {
    callOrThrow("fallocate fd " + fd, (capture, arena) ->
        (long) (int) FALLOCATE.invokeExact(capture, fd, 0, offset, length));
  }

  /** A libc call that returns a negative value on failure, with errno in {@code capture}. */
  @FunctionalInterface
  private interface LibcCall {
    long invoke(MemorySegment capture, Arena arena) throws Throwable;
  }

  /** Runs {@code call} with a fresh capture segment; its result, or a {@link NativeIoException} naming errno. */
  private static long callOrThrow(String what, LibcCall call) throws NativeIoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      long result;
      try {
        result = call.invoke(capture, arena);
      } catch (Throwable t) {
        throw rethrow(t);
      }
      if (result < 0) {
        throw new NativeIoException(what, errno(capture));
      }
      return result;
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException("unexpected checked exception from a downcall", t);
  }
}
