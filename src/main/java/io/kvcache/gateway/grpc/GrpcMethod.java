package io.kvcache.gateway.grpc;

import com.google.protobuf.Message;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;

/**
 * One method of a gRPC service and its single implementation, in a form every transport can dispatch: a unary method
 * answers one message, a client-streaming one reads a stream of messages, a server-streaming one writes one.
 *
 * @param <Q> request message
 * @param <R> response message
 */
public sealed interface GrpcMethod<Q extends Message, R extends Message> {
  String name();

  /** The request type's default instance (its parser, and its descriptor for decoders). */
  Q requestPrototype();

  record Unary<Q extends Message, R extends Message>(String name, Q requestPrototype, Handler<Q, R> handler)
      implements GrpcMethod<Q, R> {
    /** The method's implementation. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      Future<R> handle(CallContext call, Q request);
    }
  }

  record ClientStreaming<Q extends Message, R extends Message>(String name, Q requestPrototype, Handler<Q, R> handler)
      implements GrpcMethod<Q, R> {
    /** The method's implementation: reads the requests, answers once they ended. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      Future<R> handle(CallContext call, ReadStream<Q> requests);
    }
  }

  record ServerStreaming<Q extends Message, R extends Message>(String name, Q requestPrototype, Handler<Q, R> handler)
      implements GrpcMethod<Q, R> {
    /** The method's implementation: writes its responses and ends (or fails) the stream. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      void handle(CallContext call, Q request, ResponseStream<R> responses);
    }
  }
}
