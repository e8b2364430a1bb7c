package io.kvcache.bench.ssd;

import io.kvcache.ssd.io.Caching;
import io.kvcache.ssd.io.ChannelFileIo;
import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.OpenMode;
import io.kvcache.ssd.io.UringFileIo;
import io.kvcache.ssd.uring.Libc;
import io.kvcache.ssd.uring.ThreadRings;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs fio and our engine alternately on the same file with the same block size and queue depth, several times per
 * row, and prints MB/s, IOPS and the median of the pairwise ratios ours/fio (the disk is noisy, so only pairs taken
 * back to back are compared). Called by {@code bench/ssd-vs-fio.sh}.
 *
 * <p>Arguments: {@code <file> <fileBytes> <reps> <runSeconds> <rampSeconds> <queueDepth> [rowFilter]}.
 */
public final class SsdVsFio {
  private SsdVsFio() {}

  /**
   * One table row: our workload ({@link Workload} kind, block size, blocks per call) on an engine, and the fio job it
   * is compared with. {@code alsoFioBatched} adds a second fio run that submits and reaps in batches of the queue
   * depth, i.e. does exactly what one of our calls does.
   */
  record Row(String label, String kind, int block, int blocksPerCall, String engine, Caching caching,
             boolean alsoFioBatched) {
    boolean isWrite() {
      return kind.equals("seqwrite");
    }

    String fioRw() {
      return switch (kind) {
        case "seqwrite" -> "write";
        case "seqread", "seqbatch" -> "read";
        default -> "randread";
      };
    }
  }

  /** One timed run: throughput, and for our runs the CPU time of the calling thread per I/O (0 for fio). */
  record Sample(double megabytesPerSecond, double iops, double cpuMicrosPerIo) {}

  private static final int MIB = 1 << 20;

  /** Descs per batchRead call in the streaming rows: many more than the queue depth, so the queue stays full. */
  static final int STREAM = 1024;

  static List<Row> rows(int depth) {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("uring seq write 1M, 32/call", "seqwrite", MIB, depth, "uring", Caching.DIRECT, true));
    rows.add(new Row("uring seq read 1M, 32/call", "seqread", MIB, depth, "uring", Caching.DIRECT, true));
    rows.add(new Row("uring rand read 4K, batch 32", "randread", 4096, depth, "uring", Caching.DIRECT, true));
    rows.add(new Row("uring rand read 64K, batch 32", "randread", 65536, depth, "uring", Caching.DIRECT, true));
    rows.add(new Row("uring bucket write 256M (32x8M)", "seqwrite", 8 * MIB, depth, "uring", Caching.DIRECT, true));
    rows.add(new Row("uring seq read 1M, stream", "seqbatch", MIB, STREAM, "uring", Caching.DIRECT, false));
    rows.add(new Row("uring rand read 4K, stream", "randread", 4096, STREAM, "uring", Caching.DIRECT, false));
    rows.add(new Row("uring rand read 64K, stream", "randread", 65536, STREAM, "uring", Caching.DIRECT, false));
    rows.add(new Row("channel seq write 1M", "seqwrite", MIB, depth, "channel", Caching.DIRECT, false));
    rows.add(new Row("channel seq read 1M", "seqread", MIB, depth, "channel", Caching.DIRECT, false));
    rows.add(new Row("channel rand read 4K", "randread", 4096, depth, "channel", Caching.DIRECT, false));
    rows.add(new Row("channel rand read 64K", "randread", 65536, depth, "channel", Caching.DIRECT, false));
    rows.add(new Row("buffered seq write 1M, 32/call", "seqwrite", MIB, depth, "uring", Caching.BUFFERED, false));
    rows.add(new Row("buffered seq read 1M, 32/call", "seqread", MIB, depth, "uring", Caching.BUFFERED, false));
    rows.add(new Row("buffered rand read 4K, batch 32", "randread", 4096, depth, "uring", Caching.BUFFERED, false));
    return rows;
  }

  public static void main(String[] args) throws Throwable {
    Path file = Path.of(args[0]);
    long fileBytes = Long.parseLong(args[1]);
    int reps = Integer.parseInt(args[2]);
    double run = Double.parseDouble(args[3]);
    double ramp = Double.parseDouble(args[4]);
    int depth = Integer.parseInt(args[5]);
    String filter = args.length > 6 ? args[6] : "";

    List<String> table = new ArrayList<>();
    table.add(String.format(Locale.ROOT, "%-32s %9s %9s %9s %9s %8s %12s %10s %8s", "row (QD " + depth + ", medians)",
        "fio MB/s", "fio IOPS", "ours MB/s", "ours IOPS", "ours/fio", "min..max", "ours/fioB", "CPU us/IO"));
    for (Row row : rows(depth)) {
      if (!row.label().contains(filter)) {
        continue;
      }
      double[] fioMb = new double[reps];
      double[] fioIops = new double[reps];
      double[] ourMb = new double[reps];
      double[] ourIops = new double[reps];
      double[] ourCpu = new double[reps];
      double[] ratio = new double[reps];
      double[] ratioBatched = new double[reps];
      for (int rep = 0; rep < reps; rep++) {
        Sample f = null;
        Sample fb = null;
        Sample o = null;
        // Rotate who goes first so slow drift of the disk hits every side alike.
        for (int turn = 0; turn < 3; turn++) {
          switch ((rep + turn) % 3) {
            case 0 -> f = runFio(row, file, fileBytes, run, ramp, depth, false);
            case 1 -> fb = row.alsoFioBatched() ? runFio(row, file, fileBytes, run, ramp, depth, true) : null;
            default -> o = runOurs(row, file, fileBytes, run, ramp, depth);
          }
        }
        fioMb[rep] = f.megabytesPerSecond();
        fioIops[rep] = f.iops();
        ourMb[rep] = o.megabytesPerSecond();
        ourIops[rep] = o.iops();
        ourCpu[rep] = o.cpuMicrosPerIo();
        ratio[rep] = o.megabytesPerSecond() / f.megabytesPerSecond();
        ratioBatched[rep] = fb == null ? Double.NaN : o.megabytesPerSecond() / fb.megabytesPerSecond();
        System.err.printf(Locale.ROOT, "%-32s rep %d: fio %6.0f MB/s%s | ours %6.0f MB/s %7.0f IOPS %.2f us/IO | %.3f%n",
            row.label(), rep + 1, f.megabytesPerSecond(),
            fb == null ? "" : String.format(Locale.ROOT, ", batched %6.0f MB/s", fb.megabytesPerSecond()),
            o.megabytesPerSecond(), o.iops(), o.cpuMicrosPerIo(), ratio[rep]);
      }
      double[] sorted = ratio.clone();
      Arrays.sort(sorted);
      table.add(String.format(Locale.ROOT, "%-32s %9.0f %9.0f %9.0f %9.0f %7.3fx %5.2f..%5.2f %9s %8.2f",
          row.label(), median(fioMb), median(fioIops), median(ourMb), median(ourIops), median(ratio), sorted[0],
          sorted[reps - 1], row.alsoFioBatched() ? String.format(Locale.ROOT, "%.3fx", median(ratioBatched)) : "-",
          median(ourCpu)));
    }
    table.forEach(System.out::println);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static Sample runFio(Row row, Path file, long fileBytes, double run, double ramp, int depth, boolean batched)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("fio", "--name=" + row.kind(), "--filename=" + file,
        "--size=" + fileBytes, "--rw=" + row.fioRw(), "--bs=" + row.block(), "--iodepth=" + depth,
        "--direct=" + (row.caching() == Caching.DIRECT ? 1 : 0), "--ioengine=io_uring", "--time_based",
        "--runtime=" + run, "--ramp_time=" + ramp, "--randrepeat=0", "--output-format=json"));
    if (batched) {
      cmd.addAll(List.of("--iodepth_batch_submit=" + depth, "--iodepth_batch_complete_min=" + depth));
    }
    if (row.caching() == Caching.BUFFERED && row.isWrite()) {
      cmd.add("--end_fsync=1"); // ours datasyncs at the end too: both pay for the writeback
    }
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("fio failed: " + String.join(" ", cmd));
    }
    JsonObject side = new JsonObject(out.substring(out.indexOf('{'))).getJsonArray("jobs").getJsonObject(0)
        .getJsonObject(row.isWrite() ? "write" : "read");
    return new Sample(side.getDouble("bw_bytes") / 1e6, side.getDouble("iops"), 0);
  }

  static Sample runOurs(Row row, Path file, long fileBytes, double run, double ramp, int depth) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffers = arena.allocate(Workload.bufferBytes(row.kind(), row.block(), row.blocksPerCall()),
          DirectFile.ALIGNMENT);
      return runOurs(row, file, fileBytes, run, ramp, depth, buffers);
    }
  }

  private static Sample runOurs(Row row, Path file, long fileBytes, double run, double ramp, int depth,
                                MemorySegment buffers) throws Throwable {
    try (FileIo io = row.engine().equals("uring") ? new UringFileIo(depth, null, ThreadRings.EVENT_LOOP_THREADS)
        : new ChannelFileIo(ThreadRings.EVENT_LOOP_THREADS);
         DirectFile f = io.open(file, OpenMode.READ_WRITE, row.caching())) {
      if (row.caching() == Caching.BUFFERED) {
        dropCachedPages(file); // as fio's default invalidate=1 does before its job
      }
      Workload w = Workload.create(row.kind(), f, buffers, row.block(), row.blocksPerCall(), fileBytes);
      long rampEnd = System.nanoTime() + (long) (ramp * 1e9);
      while (System.nanoTime() < rampEnd) {
        w.step();
      }
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long cpuStart = threads.getCurrentThreadCpuTime();
      long bytes = 0;
      long start = System.nanoTime();
      long end = start + (long) (run * 1e9);
      long now;
      do {
        bytes += w.step();
        now = System.nanoTime();
      } while (now < end);
      if (row.caching() == Caching.BUFFERED && row.isWrite()) {
        f.datasync();
        now = System.nanoTime();
      }
      double seconds = (now - start) / 1e9;
      double ios = (double) bytes / row.block();
      double cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3;
      return new Sample(bytes / seconds / 1e6, ios / seconds, cpuMicros / ios);
    }
  }

  private static final MethodHandle POSIX_FADVISE = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("posix_fadvise").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
          ValueLayout.JAVA_INT));
  private static final int POSIX_FADV_DONTNEED = 4;

  /** Drops the file's clean pages from the page cache (both sides sync their buffered writes before finishing). */
  static void dropCachedPages(Path file) throws Throwable {
    int fd = Libc.openOrThrow(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
    try {
      int rc = (int) POSIX_FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
      if (rc != 0) {
        throw new IOException("posix_fadvise failed: " + rc);
      }
    } finally {
      Libc.closeOrThrow(fd);
    }
  }
}
