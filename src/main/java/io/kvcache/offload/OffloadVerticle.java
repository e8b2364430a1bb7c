package io.kvcache.offload;

import com.google.protobuf.ByteString;
import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.app.MasterView;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.DiskObjects;
import io.kvcache.proto.bus.DiskObjectsReply;
import io.kvcache.proto.bus.OffloadBatch;
import io.kvcache.proto.bus.OffloadFetch;
import io.kvcache.proto.bus.OffloadOutcome;
import io.kvcache.proto.bus.OffloadReport;
import io.kvcache.proto.bus.OffloadReportReply;
import io.kvcache.proto.bus.OffloadTask;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.KeyCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;

/**
 * The master end of SSD offload ({@link Addresses#OFFLOAD}): storage nodes fetch their offload tasks (and the keys to
 * delete from their SSD), report outcomes, and re-register or drop disk objects. Every call must carry the node's
 * session token; an outcome is applied only if its task was handed to that node with that task token — otherwise it is
 * refused and counted, and no replica is created or changed.
 */
public final class OffloadVerticle extends VerticleBase {
  private static final int DELETIONS_PER_FETCH = 4096;

  private final NodeContext node;
  private final OffloadQueues queues;
  private Counter stored;
  private Counter storedBytes;
  private Counter nacks;

  public OffloadVerticle(NodeContext node) {
    this.node = node;
    this.queues = node.offloadQueues();
  }

  @Override
  public Future<?> start() {
    stored = Counter.builder("kvstore_offload_objects").description("Objects written to a node's SSD")
        .register(node.meters());
    storedBytes = Counter.builder("kvstore_offload_bytes").description("Bytes written to nodes' SSDs")
        .register(node.meters());
    nacks = Counter.builder("kvstore_offload_nacks").description("Offloads a node reported as failed")
        .register(node.meters());
    FunctionCounter.builder("kvstore_offload_refused_completions", queues, OffloadQueues::refused)
        .description("Completions refused: not the assigned node, unknown task or bad token").register(node.meters());
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.OFFLOAD, this::onMessage);
    return consumer.completion();
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    NodeLiveness liveness = node.nodeLiveness();
    switch (msg.body()) {
      case OffloadFetch f -> msg.reply(liveness.authentic(f.getNodeId(), f.getToken()) ? fetch(f)
          : OffloadBatch.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).build());
      case OffloadReport r -> msg.reply(liveness.authentic(r.getNodeId(), r.getToken()) ? report(r)
          : OffloadReportReply.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).setRefused(r.getOutcomesCount()).build());
      case DiskObjects d -> msg.reply(liveness.authentic(d.getNodeId(), d.getToken()) ? diskObjects(d)
          : DiskObjectsReply.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).build());
      default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private OffloadBatch fetch(OffloadFetch f) {
    OffloadBatch.Builder batch = OffloadBatch.newBuilder().setCode(ErrorCode.OK);
    for (OffloadQueues.Task t : queues.drain(f.getNodeId(), Math.max(1, f.getMax()))) {
      batch.addTasks(OffloadTask.newBuilder().setTaskId(t.id()).setTaskToken(t.token())
          .setKey(ByteString.copyFrom(t.key())).setOffset(t.offset()).setSize(t.size()));
    }
    queues.takeDeletions(f.getNodeId(), DELETIONS_PER_FETCH).forEach(k -> batch.addDeleteKeys(ByteString.copyFrom(k)));
    return batch.build();
  }

  private OffloadReportReply report(OffloadReport r) {
    MasterView master = node.master();
    LocalDisk disk = node.localDisks().get(r.getNodeId());
    int accepted = 0;
    int refused = 0;
    for (OffloadOutcome outcome : r.getOutcomesList()) {
      OffloadQueues.Task task = queues.complete(r.getNodeId(), outcome.getTaskId(), outcome.getTaskToken());
      if (task == null) {
        refused++;
        continue;
      }
      byte[] key = task.key();
      master.shards().get(task.shard()).call(s ->
          s.offload().complete(key, KeyCodec.hash(key), task.pinId(), disk, outcome.getStored()));
      accepted++;
      if (outcome.getStored()) {
        stored.increment();
        storedBytes.increment(task.size());
      } else {
        nacks.increment();
      }
    }
    return OffloadReportReply.newBuilder().setCode(refused == 0 ? ErrorCode.OK : ErrorCode.ILLEGAL_CLIENT)
        .setAccepted(accepted).setRefused(refused).build();
  }

  private DiskObjectsReply diskObjects(DiskObjects d) {
    LocalDisk disk = node.localDisks().get(d.getNodeId());
    if (disk == null) {
      return DiskObjectsReply.newBuilder().setCode(ErrorCode.UNABLE_OFFLOAD).build();
    }
    if (d.getKeysCount() != d.getSizesCount() && !d.getEvicted()) {
      return DiskObjectsReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
    }
    MasterView master = node.master();
    int shards = master.shards().size();
    List<List<Integer>> byShard = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      byShard.add(new ArrayList<>());
    }
    for (int i = 0; i < d.getKeysCount(); i++) {
      byShard.get(KeyCodec.shardOf(KeyCodec.hash(d.getKeys(i).toByteArray()), shards)).add(i);
    }
    int applied = 0;
    for (int s = 0; s < shards; s++) {
      List<Integer> mine = byShard.get(s);
      if (mine.isEmpty()) {
        continue;
      }
      applied += master.shards().get(s).call(shard -> {
        if (d.getEvicted()) {
          return shard.offload().dropDiskReplicas(d.getNodeId(),
              mine.stream().map(i -> d.getKeys(i).toByteArray()).toList());
        }
        int ok = 0;
        for (int i : mine) {
          byte[] key = d.getKeys(i).toByteArray();
          ok += shard.offload().register(key, KeyCodec.hash(key), d.getSizes(i), disk) == ErrorCode.OK ? 1 : 0;
        }
        return ok;
      });
    }
    return DiskObjectsReply.newBuilder().setCode(ErrorCode.OK).setApplied(applied).build();
  }
}
