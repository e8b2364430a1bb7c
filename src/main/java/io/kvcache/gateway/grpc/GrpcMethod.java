package io.kvcache.gateway.grpc;

import com.google.protobuf.Message;
import io.vertx.core.Future;

/**
 * One method of a gRPC service and its single implementation, in a form the transport dispatches: a unary method answers
 * one message, a client-streaming one reads a stream of messages, a server-streaming one writes one, a bidirectional one
 * both. Unary and server-streaming methods run once the request stream has ended with exactly one message.
 *
 * @param <Q> request message
 * @param <R> response message
 */
public sealed interface GrpcMethod<Q extends Message, R> {
  String name();

  /** The request type's default instance (its parser). */
  Q requestPrototype();

  /** How its responses are framed. */
  ResponseEncoder<R> encoder();

  record Unary<Q extends Message, R>(String name, Q requestPrototype, ResponseEncoder<R> encoder,
                                                 Handler<Q, R> handler) implements GrpcMethod<Q, R> {
    /** The method's implementation. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      Future<R> handle(CallContext call, Q request);
    }
  }

  record ClientStreaming<Q extends Message, R>(String name, Q requestPrototype, ResponseEncoder<R> encoder,
                                                 Handler<Q, R> handler) implements GrpcMethod<Q, R> {
    /** The method's implementation: reads the requests, answers once they ended. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      Future<R> handle(CallContext call, MessageStream<Q> requests);
    }
  }

  record ServerStreaming<Q extends Message, R>(String name, Q requestPrototype, ResponseEncoder<R> encoder,
                                                 Handler<Q, R> handler) implements GrpcMethod<Q, R> {
    /** The method's implementation: writes its responses and ends (or fails) the stream. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      void handle(CallContext call, Q request, ResponseStream<R> responses);
    }
  }

  record BidiStreaming<Q extends Message, R>(String name, Q requestPrototype, ResponseEncoder<R> encoder,
                                                 Handler<Q, R> handler) implements GrpcMethod<Q, R> {
    /** The method's implementation: reads requests and writes responses as it goes. */
    @FunctionalInterface
    public interface Handler<Q, R> {
      void handle(CallContext call, MessageStream<Q> requests, ResponseStream<R> responses);
    }
  }
}
