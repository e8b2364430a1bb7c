package io.kvcache.ssd.bucket;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.ssd.io.Caching;
import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.OpenMode;
import io.kvcache.ssd.io.UringFileIo;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.ssd.uring.RegisteredRegion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bucket store on the I/O engine: fixed-buffer loads, write failures, concurrent stores. */
class BucketStoreIoTest extends EngineTestBase {

  private static BucketStoreOptions options(Path dir) {
    return BucketStoreOptions.defaults(dir).withLimits(500, 64L << 20).withCapacity(1L << 30, EvictionPolicy.FIFO);
  }

  @Test
  void loadsIntoTheRegisteredRegionAreFixedReads() throws IOException {
    MemorySegment region = arena.allocate(8 << 20, 4096);
    UringFileIo uring = (UringFileIo) useEngine(SsdTestSupport.URING, new RegisteredRegion(region));
    BucketStore store = BucketStore.open(io, options(SsdTestSupport.freshDir("fixed")));
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      items.add(new StoreItem(BucketStoreTest.key(i), fillRandom(arena.allocate(200_000), i)));
    }
    store.store(items).results().forEach(r -> assertTrue(r.isOk()));
    List<LoadItem> loads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      loads.add(new LoadItem(BucketStoreTest.key(i), region.asSlice(i * 256 * 1024L, 256 * 1024)));
    }
    long fixedBefore = uring.stats().fixedReads();
    List<LoadResult> results = store.load(loads);
    for (int i = 0; i < 8; i++) {
      assertTrue(results.get(i).isOk(), results.get(i).message());
      assertEquals(-1, items.get(i).value().mismatch(loads.get(i).dst().asSlice(0, 200_000)));
    }
    assertEquals(fixedBefore + 8, uring.stats().fixedReads(), "one READ_FIXED per object");
  }

  @Test
  void aFailedDataSyncReportsEveryKeyOfTheBucketAndLeavesNoFiles() throws IOException {
    AtomicBoolean failSync = new AtomicBoolean(true);
    io = new FailingSyncIo(SsdTestSupport.engine(SsdTestSupport.CHANNEL, 32, null), failSync);
    Path dir = SsdTestSupport.freshDir("syncfail");
    BucketStore store = BucketStore.open(io, options(dir));
    List<StoreItem> items = List.of(new StoreItem(BucketStoreTest.key(1), arena.allocate(5000)),
        new StoreItem(BucketStoreTest.key(2), arena.allocate(5000)));
    StoreOutcome failed = store.store(items);
    for (StoreResult r : failed.results()) {
      assertEquals(ErrorCode.FILE_WRITE_FAIL, r.code());
      assertTrue(r.message().contains("injected"), r.message());
    }
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "no meta was written for data that is not durable");
    }
    assertEquals(0, store.usedBytes());
    assertEquals(1, store.stats().bucketWriteFailures());
    failSync.set(false);
    store.store(items).results().forEach(r -> assertTrue(r.isOk(), "keys were released: " + r.message()));
  }

  @Test
  void concurrentStoresOfOneKeyStoreItOnce() throws Exception {
    useEngine(SsdTestSupport.URING, null);
    BucketStore store = BucketStore.open(io, options(SsdTestSupport.freshDir("race")));
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<StoreResult> all = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      Thread worker = new Thread(() -> {
        try (Arena local = Arena.ofConfined()) {
          List<StoreItem> items = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            items.add(new StoreItem(BucketStoreTest.key(i), fillRandom(local.allocate(3000), seed)));
          }
          start.await();
          all.addAll(store.store(items).results());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "store-" + t);
      workers.add(worker);
      worker.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    assertEquals(threads * 20, all.size());
    for (int i = 0; i < 20; i++) {
      SsdKey key = BucketStoreTest.key(i);
      long ok = all.stream().filter(r -> r.key().equals(key) && r.isOk()).count();
      long dup = all.stream().filter(r -> r.key().equals(key) && r.code() == ErrorCode.OBJECT_ALREADY_EXISTS).count();
      assertEquals(1, ok, "key " + i);
      assertEquals(threads - 1, dup, "key " + i);
    }
    assertEquals(20, store.objectCount());
  }

  /** A FileIo whose datasync fails while {@code fail} is set: a disk that lost power under the write. */
  private static final class FailingSyncIo implements FileIo {
    private final FileIo inner;
    private final AtomicBoolean fail;

    FailingSyncIo(FileIo inner, AtomicBoolean fail) {
      this.inner = inner;
      this.fail = fail;
    }

    @Override
    public String engineName() {
      return "failing-sync";
    }

    @Override
    public DirectFile open(Path path, OpenMode mode, Caching caching) throws IOException {
      DirectFile file = inner.open(path, mode, caching);
      return (DirectFile) java.lang.reflect.Proxy.newProxyInstance(DirectFile.class.getClassLoader(),
          new Class<?>[] {DirectFile.class}, (proxy, method, args) -> {
            if (method.getName().equals("datasync") && fail.get()) {
              throw new IOException("injected datasync failure on " + path.getFileName());
            }
            try {
              return method.invoke(file, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
