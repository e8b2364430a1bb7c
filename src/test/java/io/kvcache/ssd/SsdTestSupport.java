package io.kvcache.ssd;

import io.kvcache.ssd.io.ChannelFileIo;
import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.UringFileIo;
import io.kvcache.ssd.uring.RegisteredRegion;
import io.kvcache.ssd.uring.ThreadRings;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers of the ssd tests: a fresh directory under kv.test.dir, aligned buffers, engines by name. */
public final class SsdTestSupport {
  private SsdTestSupport() {}

  public static final String URING = "io_uring";
  public static final String CHANNEL = "filechannel";

  /** A new empty directory under {@code kv.test.dir}. */
  public static Path freshDir(String name) throws IOException {
    Path root = Path.of(System.getProperty("kv.test.dir", "target/test-data"));
    return Files.createDirectories(root.resolve(name + "-" + UUID.randomUUID()));
  }

  /** A zeroed 4096-aligned native buffer. */
  public static MemorySegment aligned(Arena arena, long size) {
    return arena.allocate(size, DirectFile.ALIGNMENT);
  }

  /** Fills {@code segment} with bytes derived from {@code seed}. */
  public static MemorySegment fillRandom(MemorySegment segment, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long i = 0;
    for (; i + 8 <= segment.byteSize(); i += 8) {
      segment.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
    }
    for (; i < segment.byteSize(); i++) {
      segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
    }
    return segment;
  }

  /** The engine named {@code engine} (skipping the test when io_uring is unavailable here). */
  public static FileIo engine(String engine, int queueDepth, RegisteredRegion region) {
    if (URING.equals(engine)) {
      String why = UringFileIo.unavailableReason();
      assumeTrue(why == null, "io_uring unavailable on this machine: " + why);
      return new UringFileIo(queueDepth, region, ThreadRings.EVENT_LOOP_THREADS);
    }
    return new ChannelFileIo(ThreadRings.EVENT_LOOP_THREADS);
  }

  /** Runs {@code body} on a new thread named {@code name}, rethrowing what it threw. */
  public static void onThread(String name, ThrowingRunnable body) throws Exception {
    Exception[] failure = new Exception[1];
    Error[] error = new Error[1];
    Thread thread = new Thread(() -> {
      try {
        body.run();
      } catch (Exception e) {
        failure[0] = e;
      } catch (Error e) {
        error[0] = e;
      }
    }, name);
    thread.start();
    thread.join();
    if (error[0] != null) {
      throw error[0];
    }
    if (failure[0] != null) {
      throw failure[0];
    }
  }

  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Exception;
  }
}
