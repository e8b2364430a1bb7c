package io.kvcache.api;

import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.MasterInfo;
import io.kvcache.proto.bus.MasterInfoRequest;
import io.kvcache.app.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * What a gateway knows about the master (shard count, lease TTL): read from the node itself when it runs the master,
 * else fetched on first need and cached. A failed fetch is not cached, so the next request asks again (the master may
 * simply not be up yet).
 *
 * <p>Not thread-safe: one per gateway verticle, used on its event loop.
 */
final class MasterDirectory {
  private final Vertx vertx;
  private final NodeContext node;
  private final DeliveryOptions options;
  private Future<MasterInfo> info;

  MasterDirectory(NodeContext node) {
    this.vertx = node.vertx();
    this.node = node;
    this.options = node.requestOptions();
  }

  Future<MasterInfo> info() {
    if (info == null && node.master() != null) {
      info = Future.succeededFuture(MasterInfo.newBuilder().setReplicaShards(node.master().shards().size())
          .setLeaseTtlMs(node.options().leaseTtlMs()).setMasterNodeId(node.nodeId()).build());
    }
    Future<MasterInfo> current = info;
    if (current == null || current.failed()) {
      current = vertx.eventBus().<com.google.protobuf.Message>request(Addresses.MASTER_INFO,
          MasterInfoRequest.getDefaultInstance(), options).map(reply -> (MasterInfo) reply.body());
      info = current;
    }
    return current;
  }

  boolean known() {
    return info != null && info.succeeded();
  }
}
