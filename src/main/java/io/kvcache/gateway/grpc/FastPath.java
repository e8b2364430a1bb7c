package io.kvcache.gateway.grpc;

import com.google.protobuf.Message;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;

import java.util.Set;
import java.util.function.Supplier;

/**
 * The data-plane methods (by default Put, Get, BatchPut, BatchGet) on gRPC framing of our own ({@link RawGrpcCall}),
 * everything else on Vert.x gRPC; both run the same implementation from the {@link MethodTable}. Why: clients send a
 * large message as many HTTP/2 DATA frames, and the generic deframer grows its buffer by doubling as they arrive —
 * measured at 59 % of the server's allocation (2.75 bytes allocated per value byte) on 4 KiB BatchPuts. Here the message
 * array is allocated once, at its exact size, from the length prefix. Only plain {@code application/grpc} with identity
 * encoding takes this path; JSON, gRPC-web or compressed calls go to Vert.x.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
public final class FastPath {
  private final MethodTable table;
  private final Set<String> methods;
  private final String servicePath;
  private final ClientIds clients;
  private final long maxMessageSize;

  public FastPath(MethodTable table, Set<String> methods, ClientIds clients, long maxMessageSize) {
    this.table = table;
    this.methods = Set.copyOf(methods);
    this.servicePath = "/" + table.serviceName() + "/";
    this.clients = clients;
    this.maxMessageSize = maxMessageSize;
  }

  /** The request handler: our framing for the data-plane methods, {@code grpc} for the rest. */
  public Handler<HttpServerRequest> in(GrpcServer grpc) {
    return request -> {
      if (!handled(request)) {
        grpc.handle(request);
      }
    };
  }

  private boolean handled(HttpServerRequest request) {
    String path = request.path();
    if (request.method() != HttpMethod.POST || path == null || !path.startsWith(servicePath)) {
      return false;
    }
    String type = request.getHeader("content-type");
    String encoding = request.getHeader("grpc-encoding");
    if (!("application/grpc".equals(type) || "application/grpc+proto".equals(type))
        || (encoding != null && !encoding.equals("identity"))) {
      return false;
    }
    String name = path.substring(servicePath.length());
    GrpcMethod<?, ?> method = methods.contains(name) ? table.find(name) : null;
    if (method == null) {
      return false;
    }
    serve(request, method);
    return true;
  }

  private <Q extends Message, R extends Message> void serve(HttpServerRequest request, GrpcMethod<Q, R> method) {
    @SuppressWarnings("unchecked")
    RawGrpcCall<Q, R> call = new RawGrpcCall<>(request, (com.google.protobuf.Parser<Q>) method.requestPrototype()
        .getParserForType(), maxMessageSize);
    CallContext context = () -> clients.of(call.connection());
    switch (method) {
      case GrpcMethod.Unary<Q, R> unary ->
          call.single().compose(msg -> invoke(() -> unary.handler().handle(context, msg))).onComplete(ar -> {
            if (ar.succeeded()) {
              call.reply(ar.result());
            } else {
              fail(call, method, ar.cause());
            }
          });
      case GrpcMethod.ClientStreaming<Q, R> stream ->
          invoke(() -> stream.handler().handle(context, call)).onComplete(ar -> {
            if (ar.succeeded()) {
              call.reply(ar.result());
            } else {
              fail(call, method, ar.cause());
            }
          });
      case GrpcMethod.ServerStreaming<Q, R> stream -> call.single().onComplete(ar -> {
        if (ar.succeeded()) {
          stream.handler().handle(context, ar.result(), call);
        } else {
          call.fail(GrpcStatus.INVALID_ARGUMENT, ar.cause().getMessage());
        }
      });
    }
  }

  private static <R> Future<R> invoke(Supplier<Future<R>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static void fail(RawGrpcCall<?, ?> call, GrpcMethod<?, ?> method, Throwable cause) {
    GrpcFailures.Failure f = GrpcFailures.of(method.name(), cause);
    call.fail(f.status(), f.message());
  }
}
