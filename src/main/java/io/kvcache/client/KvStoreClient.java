package io.kvcache.client;

import com.google.protobuf.ByteString;
import io.kvcache.proto.health.HealthCheckRequest;
import io.kvcache.proto.health.HealthCheckResponse;
import io.kvcache.proto.health.HealthGrpcClient;
import io.kvcache.proto.v1.BatchExistsRequest;
import io.kvcache.proto.v1.BatchGetIntoRequest;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutFromRequest;
import io.kvcache.proto.v1.BatchRemoveRequest;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.RegisterBufferReply;
import io.kvcache.proto.v1.RegisterBufferRequest;
import io.kvcache.proto.v1.RemoveAllRequest;
import io.kvcache.proto.v1.RemoveRequest;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.proto.v1.UnregisterBufferRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of one kvcache-store node, for Java engines and the benchmarks: puts and gets with values in gRPC messages,
 * and the same-host path — {@link #registerBuffer} shared memory, then {@link #batchPutFrom} / {@link #batchGetInto}
 * ranges of it, so the node copies values straight between that memory and its segments.
 *
 * <p>The target is {@code "unix:/path/to/kvstore.sock"} (the node's {@code grpc_uds_path}; registered buffers need it) or
 * {@code "host:port"}. Each client has one connection (registered buffers are bound to it). Every call returns a Vert.x
 * {@link Future}; from a thread that is not an event loop, {@code .await()} waits for it. Single-key calls fail with a
 * {@link KvStoreException} when the key fails; batch calls answer one {@link ErrorCode} per key and fail only when the
 * call as a whole does.
 *
 * <p>Thread-safe: any thread may call any method.
 */
public final class KvStoreClient implements AutoCloseable {
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final ClientOptions options;
  private final boolean unixSocket;
  private final GrpcClient grpc;
  private final KvStoreGrpcClient stub;
  private final HealthGrpcClient health;
  private final Map<String, RegisteredBuffer> buffers = new ConcurrentHashMap<>();
  private final long keepAliveTimer;
  private final Calls calls;
  private volatile boolean closed;

  private KvStoreClient(Vertx vertx, boolean ownsVertx, String target, ClientOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.unixSocket = target.startsWith("unix:");
    SocketAddress address = address(target);
    this.grpc = GrpcClient.client(vertx, Transport.grpcOptions(options), Transport.httpOptions(options));
    this.stub = KvStoreGrpcClient.create(grpc, address);
    this.health = HealthGrpcClient.create(grpc, address);
    this.calls = new Calls(vertx, stub, options.namespace());
    this.keepAliveTimer = vertx.setPeriodic(options.keepAlive().toMillis(), id -> ping());
  }

  /** A client with its own Vert.x (native transport preferred: Unix sockets need it); {@link #close} closes it. */
  public static KvStoreClient open(String target) {
    return open(target, ClientOptions.defaults());
  }

  public static KvStoreClient open(String target, ClientOptions options) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    return new KvStoreClient(vertx, true, target, options);
  }

  /** A client on the caller's Vert.x (which needs its native transport for a {@code unix:} target). */
  public static KvStoreClient open(Vertx vertx, String target, ClientOptions options) {
    return new KvStoreClient(vertx, false, target, options);
  }

  private static SocketAddress address(String target) {
    if (target.startsWith("unix:")) {
      return SocketAddress.domainSocketAddress(target.substring("unix:".length()).replaceFirst("^//", ""));
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || colon == target.length() - 1) {
      throw new IllegalArgumentException("target must be unix:/path or host:port, got " + target);
    }
    return SocketAddress.inetSocketAddress(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon));
  }

  public ClientOptions options() {
    return options;
  }

  /** Keeps the connection busy enough that the node's idle timeout never closes it (and unmaps the buffers). */
  private void ping() {
    if (!closed) {
      health.check(HealthCheckRequest.getDefaultInstance());
    }
  }

  /** Completes once the node answers its health check with SERVING, polling until {@code timeout}. */
  public Future<Void> waitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    return health.check(HealthCheckRequest.getDefaultInstance()).transform(ar -> {
      if (ar.succeeded() && ar.result().getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
        return Future.<Void>succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new KvStoreException(ErrorCode.RPC_TIMEOUT, "node not ready after " + timeout));
      }
      return vertx.timer(50).compose(ignored -> waitReady(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
    });
  }

  // ------------------------------------------------------------------------------------------------------ one key

  /** Stores {@code value} under {@code key}; fails with the key's code if it was not stored. */
  public Future<Void> put(String key, byte[] value) {
    return calls.check("Put", stub.put(PutRequest.newBuilder().setNamespace(options.namespace()).setKey(key)
        .setValue(ByteString.copyFrom(value)).build())).compose(reply -> reply.getCode() == ErrorCode.OK
        ? Future.succeededFuture() : Future.failedFuture(new KvStoreException(reply.getCode(), "put " + key)));
  }

  /** The value of {@code key}; empty if there is none; fails with the key's code for anything else. */
  public Future<Optional<byte[]>> get(String key) {
    return calls.check("Get", stub.get(GetRequest.newBuilder().setNamespace(options.namespace()).setKey(key).build()))
        .compose(reply -> reply.getCode() == ErrorCode.OK ? Future.succeededFuture(Optional.of(reply.getValue().toByteArray()))
            : reply.getCode() == ErrorCode.OBJECT_NOT_FOUND ? Future.succeededFuture(Optional.<byte[]>empty())
            : Future.failedFuture(new KvStoreException(reply.getCode(), "get " + key)));
  }

  public Future<Boolean> exists(String key) {
    return batchExists(List.of(key)).map(found -> found.exists().get(0));
  }

  /** True if removed, false if there was no such key; fails otherwise (e.g. OBJECT_HAS_LEASE unless {@code force}). */
  public Future<Boolean> remove(String key, boolean force) {
    return calls.check("Remove", stub.remove(RemoveRequest.newBuilder().setNamespace(options.namespace()).setKey(key)
        .setForce(force).build())).compose(reply -> reply.getCode() == ErrorCode.OK ? Future.succeededFuture(true)
        : reply.getCode() == ErrorCode.OBJECT_NOT_FOUND ? Future.succeededFuture(false)
        : Future.failedFuture(new KvStoreException(reply.getCode(), "remove " + key)));
  }

  /** Removes every key of this client's namespace (leased ones only if {@code force}); how many. */
  public Future<Long> removeAll(boolean force) {
    return removeAll(RemoveAllRequest.newBuilder().setNamespace(options.namespace()).setForce(force).build());
  }

  /** Removes every key of every namespace (leased ones only if {@code force}); how many. */
  public Future<Long> removeAllNamespaces(boolean force) {
    return removeAll(RemoveAllRequest.newBuilder().setAllNamespaces(true).setForce(force).build());
  }

  private Future<Long> removeAll(RemoveAllRequest request) {
    return calls.check("RemoveAll", stub.removeAll(request)).compose(reply -> reply.getCode() == ErrorCode.OK
        ? Future.succeededFuture(reply.getRemoved())
        : Future.failedFuture(new KvStoreException(reply.getCode(), "RemoveAll: " + reply.getMessage())));
  }

  // ------------------------------------------------------------------------------------------------------ batches

  /** Stores each value under its key (values travel in messages); one code per key. */
  public Future<List<ErrorCode>> batchPut(List<String> keys, List<byte[]> values) {
    return calls.batchPut(keys, values);
  }

  /** Each key's code and value (values travel in messages), in request order. */
  public Future<List<KeyValue>> batchGet(List<String> keys) {
    return calls.batchGet(BatchGetRequest.newBuilder().setNamespace(options.namespace()).addAllKeys(keys).build(),
        keys.size());
  }

  /** Per-key flags and the leading-hit count; grants the existing keys a read lease. */
  public Future<Existence> batchExists(List<String> keys) {
    return calls.check("BatchExists", stub.batchExists(BatchExistsRequest.newBuilder()
        .setNamespace(options.namespace()).addAllKeys(keys).build()))
        .map(reply -> new Existence(List.copyOf(reply.getExistsList()), reply.getLeadingHits()));
  }

  /** Removes each key; one code per key (OBJECT_NOT_FOUND for none, OBJECT_HAS_LEASE while read unless {@code force}). */
  public Future<List<ErrorCode>> batchRemove(List<String> keys, boolean force) {
    return calls.check("BatchRemove", stub.batchRemove(BatchRemoveRequest.newBuilder()
        .setNamespace(options.namespace()).addAllKeys(keys).setForce(force).build()))
        .map(reply -> List.copyOf(reply.getCodesList()));
  }

  // ---------------------------------------------------------------------------------------------------- same host

  /**
   * A new shared buffer of {@code size} bytes registered with the node (a {@code unix:} target on the node's host, as
   * the node's user). Fails with the node's code and reason if it refuses.
   */
  public Future<RegisteredBuffer> registerBuffer(long size) {
    if (!unixSocket) {
      return Future.failedFuture(new KvStoreException(ErrorCode.ILLEGAL_CLIENT,
          "buffers are registered over the node's Unix socket only (target unix:/path)"));
    }
    return vertx.executeBlocking(() -> ShmRegion.create(options.shmDir(), size), false).compose(region ->
        calls.check("RegisterBuffer", stub.registerBuffer(RegisterBufferRequest.newBuilder()
                .setPath(region.file().toString()).setSize(size).build()))
            // Registered or refused, the name goes (before the caller hears back): the mappings keep the memory.
            .transform(registered -> vertx.executeBlocking(() -> Files.deleteIfExists(region.file()), false)
                .transform(deleted -> registered(region, registered))));
  }

  private Future<RegisteredBuffer> registered(ShmRegion region, io.vertx.core.AsyncResult<RegisterBufferReply> ar) {
    if (ar.failed() || ar.result().getCode() != ErrorCode.OK) {
      region.arena().close();
      return Future.failedFuture(ar.failed() ? ar.cause()
          : new KvStoreException(ar.result().getCode(), "RegisterBuffer: " + ar.result().getMessage()));
    }
    RegisteredBuffer buffer = new RegisteredBuffer(ar.result().getBufferId(), region.arena(), region.memory());
    buffers.put(buffer.id(), buffer);
    if (closed) { // closed meanwhile: close() did not see it
      return forget(buffer).map(buffer);
    }
    return Future.succeededFuture(buffer);
  }

  /** Unregisters {@code buffer} and unmaps it here (idempotent). */
  public Future<Void> unregisterBuffer(RegisteredBuffer buffer) {
    return buffers.containsKey(buffer.id()) ? forget(buffer) : Future.succeededFuture();
  }

  private Future<Void> forget(RegisteredBuffer buffer) {
    if (buffers.remove(buffer.id()) == null) {
      return Future.succeededFuture();
    }
    return calls.check("UnregisterBuffer", stub.unregisterBuffer(UnregisterBufferRequest.newBuilder()
        .setBufferId(buffer.id()).build())).transform(ar -> {
          buffer.release();
          if (ar.succeeded() && ar.result().getCode() != ErrorCode.OK) {
            return Future.failedFuture(new KvStoreException(ar.result().getCode(), "UnregisterBuffer " + buffer.id()));
          }
          return ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause());
        });
  }

  /** Stores each range's bytes of {@code buffer} under its key; one code per key (INVALID_PARAMS: range outside). */
  public Future<List<ErrorCode>> batchPutFrom(RegisteredBuffer buffer, List<BufferRange> ranges) {
    return batchPutFrom(buffer, ranges, ReplicateConfig.getDefaultInstance());
  }

  /** The same with a placement: replica count, preferred segments, pins, group (see the README's ReplicateConfig). */
  public Future<List<ErrorCode>> batchPutFrom(RegisteredBuffer buffer, List<BufferRange> ranges, ReplicateConfig config) {
    BatchPutFromRequest.Builder request = BatchPutFromRequest.newBuilder().setNamespace(options.namespace())
        .setBufferId(buffer.id()).setConfig(config);
    ranges.forEach(r -> request.addItems(Calls.range(r)));
    return calls.check("BatchPutFrom", stub.batchPutFrom(request.build()))
        .compose(reply -> Calls.bound(buffer, "BatchPutFrom", List.copyOf(reply.getCodesList())));
  }

  /** Copies each key's value into {@code buffer} at its range's offset if it fits the range's length. */
  public Future<GetIntoResult> batchGetInto(RegisteredBuffer buffer, List<BufferRange> ranges) {
    BatchGetIntoRequest.Builder request = BatchGetIntoRequest.newBuilder().setNamespace(options.namespace())
        .setBufferId(buffer.id());
    ranges.forEach(r -> request.addItems(Calls.range(r)));
    return calls.check("BatchGetInto", stub.batchGetInto(request.build())).compose(reply -> {
      long[] lengths = reply.getLengthsList().stream().mapToLong(Long::longValue).toArray();
      return Calls.bound(buffer, "BatchGetInto", List.copyOf(reply.getCodesList()))
          .map(codes -> new GetIntoResult(codes, lengths));
    });
  }

  /** This client's registered buffers. */
  public List<RegisteredBuffer> buffers() {
    return new ArrayList<>(buffers.values());
  }

  // ------------------------------------------------------------------------------------------------------ closing

  /** Unregisters every buffer, closes the connection (and the Vert.x it made); waits up to the call timeout. */
  @Override
  public void close() {
    try {
      closeAsync().await(options.timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new KvStoreException(ErrorCode.RPC_TIMEOUT, "close did not finish in time", e);
    }
  }

  public Future<Void> closeAsync() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    vertx.cancelTimer(keepAliveTimer);
    List<Future<Void>> unregistered = new ArrayList<>();
    for (RegisteredBuffer buffer : List.copyOf(buffers.values())) {
      unregistered.add(forget(buffer));
    }
    return Future.join(unregistered).transform(ignored -> grpc.close())
        .transform(ignored -> ownsVertx ? vertx.close() : Future.succeededFuture());
  }
}
