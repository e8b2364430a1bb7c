package io.kvcache.offload;

import io.kvcache.util.Tokens;
import io.kvcache.proto.v1.ErrorCode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per storage node, the objects waiting to be written to that node's SSD (reference §6 "mailbox"): deduplicated by key,
 * bounded ({@code limit} per node, KEYS_ULTRA_LIMIT beyond), handed to the node in batches by {@link #drain}, each task
 * with a random token the node must return with its completion. A completion is accepted only for a task that was handed
 * to that very node and only once — anything else is refused (and counted), so no caller can create or change a replica
 * by reporting an offload it was not given. Keys the master dropped are queued for the node to delete from its SSD.
 *
 * <p>Thread-safe: each node's queue is guarded by its own monitor; shards of several event loops push concurrently.
 */
public final class OffloadQueues {
  /** One offload: copy {@code size} bytes at {@code offset} of the node's segment to its SSD under {@code key}. */
  public static final class Task {
    final long id;
    final String token;
    final byte[] key;
    final int shard;
    final long offset;
    final long size;
    final long pinId;
    boolean handedOut;

    Task(long id, byte[] key, int shard, long offset, long size, long pinId) {
      this.id = id;
      this.token = Tokens.random128();
      this.key = key;
      this.shard = shard;
      this.offset = offset;
      this.size = size;
      this.pinId = pinId;
    }

    public long id() {
      return id;
    }

    public String token() {
      return token;
    }

    public byte[] key() {
      return key;
    }

    public int shard() {
      return shard;
    }

    public long offset() {
      return offset;
    }

    public long size() {
      return size;
    }

    public long pinId() {
      return pinId;
    }
  }

  private static final class NodeQueue {
    final LinkedHashMap<ByteBuffer, Task> waiting = new LinkedHashMap<>(); // by key: dedup, FIFO
    final Map<Long, Task> handedOut = new java.util.HashMap<>();           // by task id
    final List<byte[]> toDelete = new ArrayList<>();
  }

  private final int limit;
  private final ConcurrentHashMap<String, NodeQueue> nodes = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(Tokens.random64() & Long.MAX_VALUE);
  private final AtomicLong refused = new AtomicLong();

  public OffloadQueues(int limit) {
    this.limit = limit;
  }

  /** Opens (or keeps) the queue of a node whose SSD takes offloads. */
  public void open(String node) {
    nodes.computeIfAbsent(node, n -> new NodeQueue());
  }

  /** Drops a node's queue (it left); returns its tasks so their pins can be released. */
  public List<Task> close(String node) {
    NodeQueue q = nodes.remove(node);
    if (q == null) {
      return List.of();
    }
    synchronized (q) {
      List<Task> dropped = new ArrayList<>(q.waiting.values());
      dropped.addAll(q.handedOut.values());
      return dropped;
    }
  }

  /** Next task id (ids are unique per master and not guessable as a sequence: they start at a random point). */
  public long newTaskId() {
    return nextId.getAndIncrement();
  }

  /** Queues a task: OK, UNABLE_OFFLOADING (node has no SSD queue), OBJECT_ALREADY_EXISTS (key queued) or KEYS_ULTRA_LIMIT. */
  public ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId) {
    NodeQueue q = nodes.get(node);
    if (q == null) {
      return ErrorCode.UNABLE_OFFLOADING;
    }
    synchronized (q) {
      ByteBuffer k = ByteBuffer.wrap(key);
      if (q.waiting.containsKey(k)) {
        return ErrorCode.OBJECT_ALREADY_EXISTS;
      }
      if (q.waiting.size() + q.handedOut.size() >= limit) {
        return ErrorCode.KEYS_ULTRA_LIMIT;
      }
      q.waiting.put(k, new Task(taskId, key, shard, offset, size, pinId));
      return ErrorCode.OK;
    }
  }

  /** Hands up to {@code max} waiting tasks to {@code node}. */
  public List<Task> drain(String node, int max) {
    NodeQueue q = nodes.get(node);
    if (q == null) {
      return List.of();
    }
    synchronized (q) {
      List<Task> out = new ArrayList<>();
      Iterator<Task> it = q.waiting.values().iterator();
      while (it.hasNext() && out.size() < max) {
        Task t = it.next();
        it.remove();
        t.handedOut = true;
        q.handedOut.put(t.id, t);
        out.add(t);
      }
      return out;
    }
  }

  /** The task {@code taskId} if {@code node} holds it and {@code token} is its token; it is then done. Else null. */
  public Task complete(String node, long taskId, String token) {
    NodeQueue q = nodes.get(node);
    Task t = null;
    if (q != null) {
      synchronized (q) {
        Task held = q.handedOut.get(taskId);
        if (held != null && Tokens.matches(held.token, token)) {
          t = q.handedOut.remove(taskId);
        }
      }
    }
    if (t == null) {
      refused.incrementAndGet();
    }
    return t;
  }

  /** Forgets task {@code taskId} (its pin expired or its object went away); a late completion is then refused. */
  public void cancel(String node, long taskId, byte[] key) {
    NodeQueue q = nodes.get(node);
    if (q != null) {
      synchronized (q) {
        q.handedOut.remove(taskId);
        Task waiting = q.waiting.get(ByteBuffer.wrap(key));
        if (waiting != null && waiting.id == taskId) {
          q.waiting.remove(ByteBuffer.wrap(key));
        }
      }
    }
  }

  /** Asks {@code node} to delete {@code key} from its SSD (the master no longer has it there). */
  public void deleteOnNode(String node, byte[] key) {
    NodeQueue q = nodes.get(node);
    if (q != null) {
      synchronized (q) {
        q.toDelete.add(key);
      }
    }
  }

  /** Keys the node should delete from its SSD; handed out once. */
  public List<byte[]> takeDeletions(String node, int max) {
    NodeQueue q = nodes.get(node);
    if (q == null) {
      return List.of();
    }
    synchronized (q) {
      int n = Math.min(max, q.toDelete.size());
      List<byte[]> out = new ArrayList<>(q.toDelete.subList(0, n));
      q.toDelete.subList(0, n).clear();
      return out;
    }
  }

  /** Tasks waiting or handed out for {@code node} (the queue depth metric). */
  public int depth(String node) {
    NodeQueue q = nodes.get(node);
    if (q == null) {
      return 0;
    }
    synchronized (q) {
      return q.waiting.size() + q.handedOut.size();
    }
  }

  public Iterable<String> nodes() {
    return nodes.keySet();
  }

  /** Completions refused so far (wrong node, unknown task, bad token, repeated). */
  public long refused() {
    return refused.get();
  }

}
