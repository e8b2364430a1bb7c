package io.kvcache.ha;

import io.kvcache.replica.DiskReplica;
import io.kvcache.replica.MemoryReplica;
import io.kvcache.replica.MillisClock;
import io.kvcache.replica.ObjectEntry;
import io.kvcache.replica.Replica;
import io.kvcache.replica.ShardJournal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The active master's op log: every change a standby must follow, numbered in one sequence, kept until every follower
 * has acknowledged it; and the frees that must wait for durability.
 *
 * <p><b>Recording</b> is off until a standby attaches ({@link #startRecording}): a master without a standby pays one
 * volatile read per change. A shard checks the flag inside its locked step, so a step either ran entirely before a
 * snapshot walk reaches its shard (the snapshot shows it) or saw the flag and recorded itself (the stream carries it).
 *
 * <p><b>Frees</b> of published replicas: while some standby's acknowledgements gate frees ({@link #gate}), a free
 * waits with the last sequence number recorded when it was asked for — the record that dropped the replica was
 * appended before (the shards do that in order) — and runs once that number is durable ({@link #durableUpTo}).
 * Otherwise it runs at once, and the highest number it might have depended on is remembered, so a standby is allowed
 * to gate (and so to be promoted with its copy) only once it has applied at least that much.
 *
 * <p>Thread-safe: one lock guards the sequence, the retained records and the waiting frees; encoding happens before
 * the lock, frees run after it (a segment's lock is taken inside a free).
 */
public final class Journal implements ShardJournal {
  private final MillisClock clock;
  private final Object lock = new Object();
  private volatile boolean recording;
  private long lastSeq;                       // guarded by lock
  private long firstRetained = 1;             // seq of records.get(head); guarded by lock
  private final ArrayList<byte[]> records = new ArrayList<>(); // [head, size) are retained, in sequence
  private int head;
  private final ArrayDeque<WaitingFree> frees = new ArrayDeque<>(); // thresholds ascending
  private boolean gated;
  private long freedThrough;                  // highest threshold any free already ran with
  private long retainedBytes;

  private record WaitingFree(long threshold, Runnable free) {}

  public Journal(MillisClock clock) {
    this.clock = clock;
  }

  public boolean recording() {
    return recording;
  }

  /** Starts (or keeps) recording; returns the last sequence number before the records a new follower will get. */
  public long startRecording() {
    synchronized (lock) {
      recording = true;
      return lastSeq;
    }
  }

  /** No follower left: stops recording and drops what is retained. */
  public void stopRecording() {
    synchronized (lock) {
      recording = false;
      records.clear();
      head = 0;
      retainedBytes = 0;
      firstRetained = lastSeq + 1;
    }
  }

  @Override
  public void objectChanged(ObjectEntry e) {
    if (recording) {
      append(OpRecordCodec.encode(putOf(e, clock.nowMs())));
    }
  }

  @Override
  public void objectErased(byte[] key) {
    if (recording) {
      append(OpRecordCodec.encode(new OpRecord.ObjectErased(key)));
    }
  }

  /** Records a change of the segment registry, node sessions or disks (called by the mount verticle). */
  public void record(OpRecord record) {
    if (recording) {
      append(OpRecordCodec.encode(record));
    }
  }

  private void append(byte[] encoded) {
    synchronized (lock) {
      if (recording) {
        records.add(encoded);
        retainedBytes += encoded.length;
        lastSeq++;
      }
    }
  }

  /** The readable state of {@code e} as a record. Call under the shard's lock. */
  public static OpRecord.ObjectPut putOf(ObjectEntry e, long nowMs) {
    List<OpRecord.MemoryAt> memory = new ArrayList<>(e.replicaCount());
    List<String> disks = new ArrayList<>(0);
    for (int i = 0; i < e.replicaCount(); i++) {
      Replica r = e.replica(i);
      if (!r.isReadable()) {
        continue;
      }
      if (r instanceof MemoryReplica m) {
        long offset = m.offset();
        if (offset >= 0) {
          memory.add(new OpRecord.MemoryAt(m.segment().name(), offset));
        }
      } else if (r instanceof DiskReplica d) {
        disks.add(d.disk().nodeId());
      }
    }
    long softPin = Math.max(0, e.softPinDeadlineMs() - nowMs);
    String group = e.group() == null ? "" : e.group().id();
    return new OpRecord.ObjectPut(e.key(), e.size(), e.isHardPinned(), softPin, group, memory, disks);
  }

  @Override
  public void deferFree(Runnable free) {
    synchronized (lock) {
      if (gated) {
        frees.addLast(new WaitingFree(lastSeq, free));
        return;
      }
      freedThrough = lastSeq;
    }
    free.run();
  }

  /**
   * Lets a follower's acknowledgements gate frees from now on, if it has applied everything any free so far may have
   * depended on; false (nothing changes) if not yet.
   */
  public boolean gate(long followerApplied) {
    synchronized (lock) {
      if (followerApplied < freedThrough) {
        return false;
      }
      gated = true;
      return true;
    }
  }

  /** No follower gates frees any more: everything waiting runs now, and later frees run at once. */
  public void ungate() {
    List<Runnable> due;
    synchronized (lock) {
      gated = false;
      due = takeThrough(Long.MAX_VALUE);
    }
    due.forEach(Runnable::run);
  }

  /** Every gating follower has applied records up to {@code seq}: the frees waiting for them run now. */
  public void durableUpTo(long seq) {
    List<Runnable> due;
    synchronized (lock) {
      due = takeThrough(seq);
    }
    due.forEach(Runnable::run);
  }

  private List<Runnable> takeThrough(long seq) {
    List<Runnable> due = new ArrayList<>();
    while (!frees.isEmpty() && frees.peekFirst().threshold() <= seq) {
      WaitingFree f = frees.pollFirst();
      freedThrough = Math.max(freedThrough, f.threshold());
      due.add(f.free());
    }
    return due;
  }

  /** Up to {@code max} records from {@code fromSeq} on; null if some of them are no longer retained. */
  public List<byte[]> read(long fromSeq, int max) {
    synchronized (lock) {
      if (fromSeq < firstRetained) {
        return null;
      }
      long skip = fromSeq - firstRetained;
      int from = (int) Math.min(records.size(), head + skip);
      int to = (int) Math.min(records.size(), (long) from + max);
      return new ArrayList<>(records.subList(from, to));
    }
  }

  /** Every follower has what is at or below {@code seq}: forget it. */
  public void trim(long seq) {
    synchronized (lock) {
      while (head < records.size() && firstRetained <= seq) {
        retainedBytes -= records.get(head).length;
        records.set(head++, null);
        firstRetained++;
      }
      if (head > 4096 && head > records.size() / 2) { // compact now and then: amortised O(1) per record
        records.subList(0, head).clear();
        head = 0;
      }
    }
  }

  public long lastSeq() {
    synchronized (lock) {
      return lastSeq;
    }
  }

  public long retainedBytes() {
    synchronized (lock) {
      return retainedBytes;
    }
  }

  /** Records retained for followers. */
  public int retainedRecords() {
    synchronized (lock) {
      return records.size() - head;
    }
  }

  /** Frees waiting for durability (memory a standby may still point at). */
  public int waitingFrees() {
    synchronized (lock) {
      return frees.size();
    }
  }
}
