package io.kvcache.api;

import io.kvcache.bus.BusErrors;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.app.MasterView;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.bus.ShardPutStart;
import io.kvcache.proto.bus.ShardReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.KeyCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.List;
import java.util.function.Function;

/**
 * Sends key operations to the replica shards: splits a batch by shard (one request per shard involved) and reassembles
 * the per-key results in the caller's order. A shard that fails to answer fails only its own keys. When the master runs
 * in this node the shards are called directly on the caller's thread (each under its own lock): no event-bus message,
 * no reply handler, no hop to another event loop — which on a busy 2-core machine is most of a call's latency.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class MetadataClient {
  private final Vertx vertx;
  private final NodeContext node;
  private final MasterDirectory master;
  private final DeliveryOptions options;

  MetadataClient(NodeContext node, MasterDirectory master) {
    this.vertx = node.vertx();
    this.node = node;
    this.master = master;
    this.options = node.requestOptions();
  }

  /** One request to one shard: in-process if the master is local, over the event bus otherwise. */
  private Future<Message> send(int shard, Message body) {
    MasterView local = node.master();
    if (local != null) {
      try {
        return Future.succeededFuture(local.shards().get(shard).handle(body));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.eventBus().<Message>request(Addresses.replica(shard), body, options).map(m -> m.body());
  }

  MasterDirectory master() {
    return master;
  }

  Future<ShardResults> keys(ShardKeys.Op op, long writer, List<byte[]> keys) {
    return fanOut(keys, group -> {
      ShardKeys.Builder b = ShardKeys.newBuilder().setOp(op).setWriter(writer);
      for (int i : group) {
        b.addKeys(ByteString.copyFrom(keys.get(i)));
      }
      return b.build();
    });
  }

  Future<ShardResults> putStart(long writer, List<byte[]> keys, long[] sizes, ReplicateConfig config) {
    return fanOut(keys, group -> {
      ShardPutStart.Builder b = ShardPutStart.newBuilder().setWriter(writer).setConfig(config);
      for (int i : group) {
        b.addKeys(ByteString.copyFrom(keys.get(i))).addSizes(sizes[i]);
      }
      return b.build();
    });
  }

  /**
   * Existence of each key (granting read leases on hits). With the master in this node the shards are asked directly
   * with the raw keys — no request or reply messages are built, which is most of a probe's cost.
   */
  Future<boolean[]> exists(List<byte[]> keys) {
    MasterView local = node.master();
    if (local == null) {
      return keys(ShardKeys.Op.EXISTS, 0, keys).map(results -> {
        boolean[] hits = new boolean[results.size()];
        for (int i = 0; i < hits.length; i++) {
          hits[i] = results.code(i) == ErrorCode.OK;
        }
        return hits;
      });
    }
    int shards = local.shards().size();
    int[] hashes = hashesOf(keys);
    int[][] groups = groupByShard(hashes, shards);
    boolean[] hits = new boolean[keys.size()];
    for (int s = 0; s < shards; s++) {
      int[] group = groups[s];
      if (group.length > 0) {
        local.shards().get(s).call(shard -> {
          for (int i : group) {
            hits[i] = shard.exists(keys.get(i), hashes[i]);
          }
          return null;
        });
      }
    }
    return Future.succeededFuture(hits);
  }

  /** Asks the master for an eviction round now; true if it freed anything (false also when it could not be asked). */
  Future<Boolean> evictNow() {
    return vertx.eventBus().<Message>request(Addresses.EVICT, io.kvcache.proto.bus.EvictRequest.getDefaultInstance(),
        options).transform(ar -> Future.succeededFuture(
            ar.succeeded() && ((io.kvcache.proto.bus.EvictReply) ar.result().body()).getFreed()));
  }

  /** Sends one request to the shard that owns {@code key}. */
  Future<Message> toShardOf(byte[] key, Message body) {
    return master.info().compose(info -> {
      return send(KeyCodec.shardOf(KeyCodec.hash(key), info.getReplicaShards()), body);
    });
  }

  /** Sends one request to every shard and collects the replies (failed shards are left out). */
  Future<List<Message>> toAllShards(Message body) {
    return master.info().compose(info -> {
      List<Future<Message>> replies = new java.util.ArrayList<>();
      for (int shard = 0; shard < info.getReplicaShards(); shard++) {
        replies.add(send(shard, body));
      }
      return Future.all(replies).map(all -> all.<Message>list());
    });
  }

  /** Groups key indices by shard, sends one request per group, and scatters the replies back by index. */
  private Future<ShardResults> fanOut(List<byte[]> keys, Function<int[], Message> requestOf) {
    return master.info().compose(info -> {
      int[][] groups = groupByShard(hashesOf(keys), info.getReplicaShards());
      KeyResult[] results = new KeyResult[keys.size()];
      long[] lease = {info.getLeaseTtlMs()};
      Promise<ShardResults> done = Promise.promise();
      int[] pending = {0};
      for (int[] group : groups) {
        if (group.length > 0) {
          pending[0]++;
        }
      }
      if (pending[0] == 0) {
        return Future.succeededFuture(new ShardResults(results, lease[0]));
      }
      for (int shard = 0; shard < groups.length; shard++) {
        int[] group = groups[shard];
        if (group.length == 0) {
          continue;
        }
        send(shard, requestOf.apply(group))
            .onComplete(ar -> {
              if (ar.succeeded()) {
                ShardReply reply = (ShardReply) ar.result();
                for (int j = 0; j < group.length; j++) {
                  results[group[j]] = reply.getResults(j);
                }
                lease[0] = reply.getLeaseTtlMs();
              } else {
                KeyResult failed = KeyResult.newBuilder().setCode(BusErrors.codeOf(ar.cause())).build();
                for (int i : group) {
                  results[i] = failed;
                }
              }
              if (--pending[0] == 0) {
                done.complete(new ShardResults(results, lease[0]));
              }
            });
      }
      return done.future();
    }, failure -> {
      KeyResult failed = KeyResult.newBuilder().setCode(
          failure instanceof io.vertx.core.eventbus.ReplyException ? BusErrors.codeOf(failure) : ErrorCode.RPC_FAIL)
          .build();
      KeyResult[] results = new KeyResult[keys.size()];
      java.util.Arrays.fill(results, failed);
      return Future.succeededFuture(new ShardResults(results, 0));
    });
  }

  private static int[] hashesOf(List<byte[]> keys) {
    int[] hashes = new int[keys.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = KeyCodec.hash(keys.get(i));
    }
    return hashes;
  }

  /** Key indices per shard, in key order within each shard. */
  private static int[][] groupByShard(int[] hashes, int shards) {
    int[] shardOf = new int[hashes.length];
    int[] counts = new int[shards];
    for (int i = 0; i < hashes.length; i++) {
      shardOf[i] = KeyCodec.shardOf(hashes[i], shards);
      counts[shardOf[i]]++;
    }
    int[][] groups = new int[shards][];
    for (int s = 0; s < shards; s++) {
      groups[s] = new int[counts[s]];
      counts[s] = 0;
    }
    for (int i = 0; i < shardOf.length; i++) {
      groups[shardOf[i]][counts[shardOf[i]]++] = i;
    }
    return groups;
  }
}
