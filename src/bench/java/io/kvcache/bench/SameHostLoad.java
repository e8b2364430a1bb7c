package io.kvcache.bench;

import io.kvcache.client.BufferRange;
import io.kvcache.client.ClientOptions;
import io.kvcache.client.GetIntoResult;
import io.kvcache.client.KvStoreClient;
import io.kvcache.client.RegisteredBuffer;
import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Same-host throughput of the Java client ({@code batchPutFrom} / {@code batchGetInto} over the node's Unix socket), and
 * of a plain {@code MemorySegment.copy} of the same bytes. Run by bench/same-host.sh.
 *
 * <pre>
 *   SameHostLoad --mode store  --uds PATH --clients 8 --size 65536 --batch 128 --seconds 5 --warmup 2 --cpu-pid PID
 *   SameHostLoad --mode memcpy --clients 8 --size 65536 --batch 128 --seconds 5
 * </pre>
 *
 * Each client has its own connection and a registered buffer of one batch, and keeps one call in flight. Puts cycle
 * through {@link #SLOTS} key sets per client: a slot's keys are removed (force) right before they are put again (a put
 * never overwrites; the remove is part of the measured time); gets read them back. Each phase first runs {@code warmup}
 * seconds untimed. One RESULT line per phase: MB/s (10^6 bytes/s), this process's user and system CPU seconds and, for
 * the store, the node's user and system CPU seconds (utime, stime from /proc/PID/stat) and their sum per GB (10^9
 * bytes). Threads: main drives the phases; the loops complete on the client's event loops and count into an atomic.
 */
public final class SameHostLoad {
  private static final int SLOTS = 4;

  private SameHostLoad() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = Args.parse(argv);
    int clients = Integer.parseInt(args.getOrDefault("clients", "8"));
    int size = Integer.parseInt(args.getOrDefault("size", "65536"));
    int batch = Integer.parseInt(args.getOrDefault("batch", "128"));
    double seconds = Double.parseDouble(args.getOrDefault("seconds", "5"));
    double warmup = Double.parseDouble(args.getOrDefault("warmup", "2"));
    if ("memcpy".equals(args.get("mode"))) {
      memcpy(clients, size, batch, seconds);
    } else {
      store(args.get("uds"), clients, size, batch, seconds, warmup, Long.parseLong(args.getOrDefault("cpu-pid", "0")));
    }
    System.exit(0);
  }

  /** User and system CPU seconds of a process (utime, stime of /proc/PID/stat; USER_HZ is 100 on Linux). */
  static double[] cpuSplit(long pid) throws Exception {
    if (pid <= 0) {
      return new double[2];
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new double[] {Long.parseLong(fields[11]) / 100.0, Long.parseLong(fields[12]) / 100.0};
  }

  private static void store(String uds, int clients, int size, int batch, double seconds, double warmup, long cpuPid)
      throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(2));
    List<KvStoreClient> conns = new ArrayList<>();
    List<RegisteredBuffer> buffers = new ArrayList<>();
    List<List<List<BufferRange>>> slots = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      KvStoreClient client = KvStoreClient.open(vertx, "unix:" + uds, ClientOptions.defaults().withNamespace("bench"));
      RegisteredBuffer buffer = client.registerBuffer((long) size * batch).await();
      byte[] random = new byte[size];
      for (int i = 0; i < batch; i++) {
        ThreadLocalRandom.current().nextBytes(random);
        MemorySegment.copy(MemorySegment.ofArray(random), 0, buffer.memory(), (long) i * size, size);
      }
      List<List<BufferRange>> mine = new ArrayList<>();
      for (int s = 0; s < SLOTS; s++) {
        List<BufferRange> ranges = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          ranges.add(new BufferRange("java" + c + "-" + size + "-s" + s + "-" + i, (long) i * size, size));
        }
        mine.add(ranges);
      }
      conns.add(client);
      buffers.add(buffer);
      slots.add(mine);
    }
    for (int c = 0; c < clients; c++) { // warm up: every slot's keys exist, both mappings touched
      for (int s = 0; s < SLOTS; s++) {
        put(conns.get(c), buffers.get(c), slots.get(c).get(s)).await();
        get(conns.get(c), buffers.get(c), slots.get(c).get(s)).await();
      }
    }
    long bytesPerCall = (long) size * batch;
    for (String op : List.of("put", "get")) {
      // Warm-up (untimed): the JIT of both JVMs compiles this phase's path first.
      ClosedLoops.run(clients, ClosedLoops.after(warmup), c -> phase(op, conns.get(c), buffers.get(c), slots.get(c),
          new AtomicLong()));
      AtomicLong calls = new AtomicLong();
      double[] serverBefore = cpuSplit(cpuPid);
      double[] clientBefore = cpuSplit(ProcessHandle.current().pid());
      long start = System.nanoTime();
      ClosedLoops.run(clients, start + (long) (seconds * 1e9), c -> phase(op, conns.get(c), buffers.get(c),
          slots.get(c), calls));
      double elapsed = (System.nanoTime() - start) / 1e9;
      double[] serverAfter = cpuSplit(cpuPid);
      double[] clientAfter = cpuSplit(ProcessHandle.current().pid());
      double cpu = serverAfter[0] + serverAfter[1] - serverBefore[0] - serverBefore[1];
      long moved = calls.get() * bytesPerCall;
      String line = String.format("RESULT client=java op=%s size=%d batch=%d clients=%d mbps=%.1f bytes=%d seconds=%.3f"
          + " client_user_s=%.2f client_sys_s=%.2f", op, size, batch, clients, moved / elapsed / 1e6, moved, elapsed,
          clientAfter[0] - clientBefore[0], clientAfter[1] - clientBefore[1]);
      if (cpuPid > 0) {
        line += String.format(" server_user_s=%.2f server_sys_s=%.2f server_cpu_s=%.2f cpu_s_per_gb=%.3f",
            serverAfter[0] - serverBefore[0], serverAfter[1] - serverBefore[1], cpu, cpu / (moved / 1e9));
      }
      System.out.println(line);
    }
    for (int c = 0; c < clients; c++) {
      for (List<BufferRange> ranges : slots.get(c)) {
        conns.get(c).batchRemove(ranges.stream().map(BufferRange::key).toList(), true).await();
      }
      conns.get(c).close();
    }
    vertx.close().await();
  }

  /** One client's closed loop of puts or gets over its slots, counting completed calls. */
  private static Supplier<Future<?>> phase(String op, KvStoreClient client, RegisteredBuffer buffer,
                                           List<List<BufferRange>> slots, AtomicLong calls) {
    return new Supplier<>() {
      int n;

      @Override
      public Future<?> get() {
        List<BufferRange> ranges = slots.get(n++ % SLOTS);
        Future<?> call = op.equals("put") ? put(client, buffer, ranges) : SameHostLoad.get(client, buffer, ranges);
        return call.onSuccess(ignored -> calls.incrementAndGet());
      }
    };
  }

  private static Future<?> put(KvStoreClient client, RegisteredBuffer buffer, List<BufferRange> ranges) {
    return client.batchRemove(ranges.stream().map(BufferRange::key).toList(), true)
        .compose(removed -> client.batchPutFrom(buffer, ranges))
        .compose(codes -> codes.stream().allMatch(c -> c == ErrorCode.OK) ? Future.succeededFuture()
            : Future.failedFuture("put: " + codes.stream().distinct().toList()));
  }

  private static Future<?> get(KvStoreClient client, RegisteredBuffer buffer, List<BufferRange> ranges) {
    return client.batchGetInto(buffer, ranges).compose((GetIntoResult got) ->
        got.codes().stream().allMatch(c -> c == ErrorCode.OK) ? Future.succeededFuture()
            : Future.failedFuture("get: " + got.codes().stream().distinct().toList()));
  }

  /** {@code threads} threads copying batches of bytes from a ring of SLOTS batches into one batch, like a get. */
  private static void memcpy(int threads, int size, int batch, double seconds) throws Exception {
    long block = (long) size * batch;
    AtomicLong moved = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    long[] startedAt = new long[1];
    List<Thread> copiers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread copier = new Thread(() -> {
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment source = arena.allocate(block * SLOTS, 64);
          MemorySegment target = arena.allocate(block, 64);
          source.fill((byte) 7);
          target.fill((byte) 0);
          ready.countDown();
          go.await();
          long deadline = startedAt[0] + (long) (seconds * 1e9);
          long n = 0;
          while (System.nanoTime() < deadline) {
            MemorySegment.copy(source, (n % SLOTS) * block, target, 0, block);
            n++;
          }
          moved.addAndGet(n * block);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      copiers.add(copier);
      copier.start();
    }
    ready.await();
    startedAt[0] = System.nanoTime();
    go.countDown();
    for (Thread copier : copiers) {
      copier.join();
    }
    double elapsed = (System.nanoTime() - startedAt[0]) / 1e9;
    System.out.printf("RESULT client=java op=memcpy size=%d batch=%d clients=%d mbps=%.1f bytes=%d seconds=%.3f%n",
        size, batch, threads, moved.get() / elapsed / 1e6, moved.get(), elapsed);
  }
}
