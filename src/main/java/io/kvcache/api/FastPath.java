package io.kvcache.api;

import com.google.protobuf.MessageLite;
import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.StatusException;

import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The data-plane methods (Put, Get, BatchPut, BatchGet) on gRPC framing of our own ({@link RawGrpcCall}), everything
 * else on Vert.x gRPC. Why: clients send a large message as many HTTP/2 DATA frames (a Vert.x client's frames are
 * bounded by its channel's 64 KiB write watermark), and the generic deframer grows its buffer by doubling as they
 * arrive — measured at 59 % of the server's allocation (2.75 bytes allocated per value byte) on 4 KiB BatchPuts. Here the
 * message array is allocated once, at its exact size, from the length prefix. Only plain {@code application/grpc} with
 * identity encoding takes this path; JSON, gRPC-web or compressed calls go to Vert.x.
 */
final class FastPath {
  private static final Logger LOG = Logger.getLogger(FastPath.class.getName());
  static final String SERVICE_PATH = "/kvstore.v1.KvStore/";

  /** What the fast path needs from its gateway. */
  interface Gateway {
    long writer(io.vertx.core.http.HttpConnection connection);

    KvStoreHandlers handlers();

    BatchPutSink batchPutSink(long writer, io.vertx.core.streams.ReadStream<BatchPutChunk> in);

    void batchGet(BatchGetRequest request, RawGrpcCall<BatchGetRequest, BatchGetChunk> out);

    void recordBatchPut(BatchPutReply reply, long bytesIn);
  }

  private final Gateway gateway;
  private final long maxMessageSize;

  FastPath(Gateway gateway, long maxMessageSize) {
    this.gateway = gateway;
    this.maxMessageSize = maxMessageSize;
  }

  Handler<HttpServerRequest> in(GrpcServer grpc) {
    return request -> {
      if (!handled(request)) {
        grpc.handle(request);
      }
    };
  }

  private boolean handled(HttpServerRequest request) {
    String path = request.path();
    if (request.method() != HttpMethod.POST || path == null || !path.startsWith(SERVICE_PATH)) {
      return false;
    }
    String type = request.getHeader("content-type");
    String encoding = request.getHeader("grpc-encoding");
    if (!("application/grpc".equals(type) || "application/grpc+proto".equals(type))
        || (encoding != null && !encoding.equals("identity"))) {
      return false;
    }
    switch (path.substring(SERVICE_PATH.length())) {
      case "Put" -> this.<PutRequest, PutReply>unary(request, PutRequest.parser(), (call, msg) ->
          gateway.handlers().put(gateway.writer(call.connection()), msg));
      case "Get" -> this.<GetRequest, GetReply>unary(request, GetRequest.parser(),
          (call, msg) -> gateway.handlers().get(msg));
      case "BatchPut" -> batchPut(request);
      case "BatchGet" -> {
        RawGrpcCall<BatchGetRequest, BatchGetChunk> call =
            new RawGrpcCall<>(request, BatchGetRequest.parser(), maxMessageSize);
        call.single().onComplete(ar -> {
          if (ar.succeeded()) {
            gateway.batchGet(ar.result(), call);
          } else {
            call.fail(GrpcStatus.INVALID_ARGUMENT, ar.cause().getMessage());
          }
        });
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private <Q extends MessageLite, R extends MessageLite> void unary(
      HttpServerRequest request, com.google.protobuf.Parser<Q> parser,
      BiFunction<RawGrpcCall<Q, R>, Q, Future<R>> impl) {
    RawGrpcCall<Q, R> call = new RawGrpcCall<>(request, parser, maxMessageSize);
    call.single().compose(msg -> impl.apply(call, msg)).onComplete(ar -> {
      if (ar.succeeded()) {
        call.reply(ar.result());
      } else {
        fail(call, ar.cause());
      }
    });
  }

  private void batchPut(HttpServerRequest request) {
    RawGrpcCall<BatchPutChunk, BatchPutReply> call = new RawGrpcCall<>(request, BatchPutChunk.parser(), maxMessageSize);
    BatchPutSink sink = gateway.batchPutSink(gateway.writer(call.connection()), call);
    sink.run().onComplete(ar -> {
      if (ar.succeeded()) {
        gateway.recordBatchPut(ar.result(), sink.bytesIn());
        call.reply(ar.result());
      } else {
        fail(call, ar.cause());
      }
    });
  }

  static void fail(RawGrpcCall<?, ?> call, Throwable cause) {
    if (cause instanceof StatusException status) {
      call.fail(status.status(), status.message());
    } else {
      LOG.log(Level.WARNING, "call failed", cause);
      call.fail(GrpcStatus.INTERNAL, String.valueOf(cause.getMessage()));
    }
  }
}
