package io.kvcache.gateway.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;

/**
 * A {@link MethodTable} served by Vert.x gRPC: every method bound to its implementation, with aliasing decoders, and
 * the service's descriptor published (so server reflection lists it).
 *
 * <p>Not thread-safe: one per gateway verticle (its {@link ClientIds} are confined to that event loop).
 */
public final class VertxGrpcService implements Service {
  private final MethodTable table;
  private final ClientIds clients;

  public VertxGrpcService(MethodTable table, ClientIds clients) {
    this.table = table;
    this.clients = clients;
  }

  @Override
  public ServiceName name() {
    return ServiceName.create(table.serviceName());
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return table.service();
  }

  @Override
  public void bind(GrpcServer server) {
    for (GrpcMethod<?, ?> method : table.methods()) {
      bindOne(server, method);
    }
  }

  private <Q extends Message, R extends Message> void bindOne(GrpcServer server, GrpcMethod<Q, R> method) {
    ServiceMethod<Q, R> serviceMethod = ServiceMethod.server(name(), method.name(), GrpcMessageEncoder.encoder(),
        AliasingDecoders.aliasing(method.requestPrototype()));
    server.callHandler(serviceMethod, req -> {
      CallContext call = () -> clients.of(req.connection());
      switch (method) {
        case GrpcMethod.Unary<Q, R> unary -> req.handler(msg -> respond(req, invoke(() -> unary.handler()
            .handle(call, msg))));
        case GrpcMethod.ClientStreaming<Q, R> stream -> respond(req, invoke(() -> stream.handler().handle(call, req)));
        case GrpcMethod.ServerStreaming<Q, R> stream -> req.handler(msg ->
            stream.handler().handle(call, msg, new Responses<>(req)));
      }
    });
  }

  /** The method's future, or a failed one if it threw. */
  private static <R> Future<R> invoke(java.util.function.Supplier<Future<R>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static <Q, R> void respond(GrpcServerRequest<Q, R> req, Future<R> reply) {
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        req.response().end(ar.result());
      } else {
        GrpcFailures.Failure f = GrpcFailures.of(req.fullMethodName(), ar.cause());
        req.response().status(f.status()).statusMessage(f.message()).end();
      }
    });
  }

  /** A server stream on a Vert.x gRPC response. */
  private static final class Responses<R> implements ResponseStream<R> {
    private final GrpcServerResponse<?, R> response;

    Responses(GrpcServerRequest<?, R> request) {
      this.response = request.response();
    }

    @Override
    public void fail(GrpcStatus status, String message) {
      response.status(status).statusMessage(message).end();
    }

    @Override
    public WriteStream<R> exceptionHandler(Handler<Throwable> handler) {
      response.exceptionHandler(handler);
      return this;
    }

    @Override
    public Future<Void> write(R data) {
      return response.write(data);
    }

    @Override
    public Future<Void> end() {
      return response.end();
    }

    @Override
    public WriteStream<R> setWriteQueueMaxSize(int maxSize) {
      response.setWriteQueueMaxSize(maxSize);
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return response.writeQueueFull();
    }

    @Override
    public WriteStream<R> drainHandler(Handler<Void> handler) {
      response.drainHandler(handler);
      return this;
    }
  }
}
