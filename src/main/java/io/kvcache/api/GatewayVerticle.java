package io.kvcache.api;

import io.kvcache.segment.SliceTransfer;
import io.kvcache.app.NodeContext;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.KvStoreGrpcService;
import io.kvcache.replica.MillisClock;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.StatusException;

import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gRPC endpoint engines call (one instance per event loop, all sharing the port). Binds every KvStore method and
 * the health service; the work happens in {@link KvStoreHandlers}, {@link BatchPutSink} and {@link BatchGetStream}.
 * The writer identity of two-phase puts is the calling connection ({@link ClientIds}).
 */
public final class GatewayVerticle extends VerticleBase implements FastPath.Gateway {
  private static final Logger LOG = Logger.getLogger(GatewayVerticle.class.getName());
  /** Bytes of values a BatchPut may have in flight before its stream is paused. */
  private static final long BATCH_PUT_IN_FLIGHT_BYTES = 64L << 20;
  /** Reads a BatchGet keeps in flight, and the size its chunks aim for. */
  private static final int BATCH_GET_WINDOW = 8;
  private static final long BATCH_GET_CHUNK_BYTES = 4L << 20;

  private final NodeContext node;
  private final int port;
  private final ClientIds clients = new ClientIds();
  private MetadataClient metadata;
  private KvStoreHandlers handlers;
  private ReplicationHandlers replication;
  private ReadFlow reads;
  private GatewayMetrics metrics;
  private HttpServer server;

  public GatewayVerticle(NodeContext node, int port) {
    this.node = node;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    MasterDirectory master = new MasterDirectory(node);
    metadata = new MetadataClient(node, master);
    SliceTransfer data = new SliceTransfer(node);
    metrics = new GatewayMetrics(node.meters());
    Promoter promoter = new Promoter(node.options().promotionOnHit(), metadata, data, node.options().nodeName());
    reads = new ReadFlow(data, new SsdReader(node), promoter, MillisClock.MONOTONIC, metrics);
    handlers = new KvStoreHandlers(node.options(), metadata, data, reads, metrics);
    replication = new ReplicationHandlers(node.options(), metadata, vertx, node.requestOptions(), metrics);

    long maxMessage = node.options().grpcMaxMessageSize();
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(maxMessage));
    bindKvStore(grpc);
    grpc.addService(new HealthService(this::isReady));
    server = vertx.createHttpServer(GrpcTransport.serverOptions(maxMessage))
        .requestHandler(new FastPath(this, maxMessage).in(grpc));
    master.info(); // warm the master directory; failures are retried on first use
    return server.listen(port, node.options().grpcHost());
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Ready once the master has answered (otherwise every call would fail with RPC_FAIL). */
  public boolean isReady() {
    if (metadata == null) {
      return false;
    }
    if (!metadata.master().known()) {
      metadata.master().info();
    }
    return metadata.master().known();
  }

  private void bindKvStore(GrpcServer grpc) {
    unary(grpc, AliasingDecoders.PUT, (req, msg) -> handlers.put(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.Get, (req, msg) -> handlers.get(msg));
    unary(grpc, KvStoreGrpcService.BatchExists, (req, msg) -> handlers.batchExists(msg));
    unary(grpc, KvStoreGrpcService.Remove, (req, msg) -> handlers.remove(msg));
    unary(grpc, KvStoreGrpcService.BatchRemove, (req, msg) -> handlers.batchRemove(msg));
    unary(grpc, KvStoreGrpcService.RemoveAll, (req, msg) -> handlers.removeAll(msg));
    unary(grpc, KvStoreGrpcService.PutStart, (req, msg) -> handlers.putStart(clients.of(req.connection()), msg));
    unary(grpc, AliasingDecoders.WRITE_SLICE, (req, msg) -> handlers.writeSlice(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.PutEnd, (req, msg) -> handlers.putEnd(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.PutRevoke, (req, msg) -> handlers.putRevoke(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.GetReplicaList, (req, msg) -> handlers.getReplicaList(msg));
    unary(grpc, KvStoreGrpcService.ReadSlice, (req, msg) -> handlers.readSlice(msg));
    unary(grpc, KvStoreGrpcService.RemoveByRegex, (req, msg) -> handlers.removeByRegex(msg));
    unary(grpc, KvStoreGrpcService.CopyStart, (req, msg) -> replication.copyStart(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.MoveStart, (req, msg) -> replication.moveStart(clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.CopyEnd, (req, msg) ->
        replication.finish("copy_end", ReplicationOp.Op.COPY_END, clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.CopyRevoke, (req, msg) ->
        replication.finish("copy_revoke", ReplicationOp.Op.COPY_REVOKE, clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.MoveEnd, (req, msg) ->
        replication.finish("move_end", ReplicationOp.Op.MOVE_END, clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.MoveRevoke, (req, msg) ->
        replication.finish("move_revoke", ReplicationOp.Op.MOVE_REVOKE, clients.of(req.connection()), msg));
    unary(grpc, KvStoreGrpcService.CreateCopyTask, (req, msg) -> replication.createCopyTask(msg));
    unary(grpc, KvStoreGrpcService.CreateMoveTask, (req, msg) -> replication.createMoveTask(msg));
    unary(grpc, KvStoreGrpcService.QueryTask, (req, msg) -> replication.queryTask(msg));
    grpc.callHandler(AliasingDecoders.BATCH_PUT, req -> {
      BatchPutSink sink = batchPutSink(clients.of(req.connection()), req);
      sink.run().onComplete(ar -> {
        if (ar.succeeded()) {
          recordBatchPut(ar.result(), sink.bytesIn());
        }
        respond(req, ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()));
      });
    });
    grpc.callHandler(KvStoreGrpcService.BatchGet, req -> req.handler(msg -> batchGet(msg, req.response(),
        e -> req.response().status(e.status()).statusMessage(e.message()).end(), cause -> fail(req, cause))));
  }

  // ------------------------------------------------------------------------------------ FastPath.Gateway

  @Override
  public long writer(io.vertx.core.http.HttpConnection connection) {
    return clients.of(connection);
  }

  @Override
  public KvStoreHandlers handlers() {
    return handlers;
  }

  @Override
  public BatchPutSink batchPutSink(long writer, io.vertx.core.streams.ReadStream<BatchPutChunk> in) {
    return new BatchPutSink(handlers.puts(), writer, node.options().maxKeySize(), node.options().maxBatchSize(),
        BATCH_PUT_IN_FLIGHT_BYTES, in);
  }

  @Override
  public void recordBatchPut(BatchPutReply reply, long bytesIn) {
    metrics.record("batch_put", reply.getCodesCount(), reply.getCodesCount() - reply.getStored());
    metrics.bytesIn.increment(bytesIn);
  }

  @Override
  public void batchGet(BatchGetRequest request, RawGrpcCall<BatchGetRequest, BatchGetChunk> out) {
    batchGet(request, out, e -> out.fail(e.status(), e.message()), cause -> FastPath.fail(out, cause));
  }

  private void batchGet(BatchGetRequest msg, io.vertx.core.streams.WriteStream<BatchGetChunk> out,
                        java.util.function.Consumer<StatusException> refuse,
                        java.util.function.Consumer<Throwable> failed) {
    KeyBatch batch;
    try {
      batch = handlers.checkedBatch(msg.getNamespace(), msg.getKeysList());
    } catch (StatusException e) {
      refuse.accept(e);
      return;
    }
    long start = reads.clock().nowMs();
    metadata.keys(ShardKeys.Op.REPLICA_LIST, 0, batch.encoded).onComplete(ar -> {
      if (ar.failed()) {
        failed.accept(ar.cause());
        return;
      }
      ShardResults lists = BatchLists.inCallOrder(batch, ar.result());
      byte[][] keys = new byte[batch.size()][];
      for (int j = 0; j < batch.encoded.size(); j++) {
        keys[batch.positions[j]] = batch.encoded.get(j);
      }
      BatchGetStream[] stream = new BatchGetStream[1];
      stream[0] = new BatchGetStream(reads, out, lists, keys, start, BATCH_GET_WINDOW, BATCH_GET_CHUNK_BYTES,
          () -> {
            metrics.record("batch_get", lists.size(), lists.size() - stream[0].hits());
            metrics.bytesOut.increment(stream[0].bytesOut());
          });
      stream[0].pump();
    });
  }

  private <Q, R> void unary(GrpcServer grpc, ServiceMethod<Q, R> method,
                            BiFunction<GrpcServerRequest<Q, R>, Q, Future<R>> impl) {
    grpc.callHandler(method, req -> req.handler(msg -> {
      Future<R> reply;
      try {
        reply = impl.apply(req, msg);
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      respond(req, reply);
    }));
  }

  private static <Q, R> void respond(GrpcServerRequest<Q, R> req, Future<R> reply) {
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        req.response().end(ar.result());
      } else {
        fail(req, ar.cause());
      }
    });
  }

  private static void fail(GrpcServerRequest<?, ?> req, Throwable cause) {
    if (cause instanceof StatusException status) {
      req.response().status(status.status()).statusMessage(status.message()).end();
    } else {
      LOG.log(Level.WARNING, "call " + req.fullMethodName() + " failed", cause);
      req.response().status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(cause.getMessage())).end();
    }
  }
}
