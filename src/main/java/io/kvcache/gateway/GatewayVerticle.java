package io.kvcache.gateway;

import io.kvcache.gateway.grpc.NodeBudgets;
import io.kvcache.gateway.grpc.GrpcConnection;
import io.kvcache.gateway.grpc.GrpcServices;
import io.kvcache.gateway.grpc.HealthMethods;
import io.kvcache.gateway.grpc.MethodTable;
import io.kvcache.gateway.grpc.ReflectionMethods;
import io.kvcache.gateway.grpc.TransportLimits;
import io.kvcache.metadata.Metadata;
import io.kvcache.replica.MillisClock;
import io.kvcache.ssd.SsdNode;
import io.kvcache.storage.DataTransfer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The gRPC endpoint engines call (one instance per event loop, all sharing the port): a Vert.x {@link NetServer} whose
 * connections are served as gRPC over HTTP/2 by {@link GrpcConnection} (Netty's HTTP/2 codec, our framing, no heap copy of
 * a value), dispatching through the method tables of the KvStore service, the standard health service and server
 * reflection (so stock tools can call the store without its .proto files).
 */
public final class GatewayVerticle extends VerticleBase {
  private final GatewayOptions options;
  private final int port;
  private final Metadata metadata;
  private final DataTransfer data;
  private final String nodeId;
  private final String localSegment;
  private final SsdNode localSsd;
  private final DeliveryOptions delivery;
  private final MeterRegistry meters;
  private final BooleanSupplier masterKnown;
  private final NodeBudgets budgets;
  private final java.util.concurrent.atomic.AtomicLong registeredBuffers;
  private NetServer server;
  private NetServer unixServer;

  /**
   * @param port the port to listen on (negative: share one free port among the instances)
   * @param localSegment the name of this node's segment (promotion prefers it)
   * @param localSsd this node's SSD, read directly when it holds a value; null if none
   * @param masterKnown whether the master has answered (the gateway is ready only then)
   * @param budgets request and response bytes all connections of the node together may hold
   * @param registeredBuffers the node's count of mapped shared buffers (a gauge)
   */
  public GatewayVerticle(GatewayOptions options, int port, Metadata metadata, DataTransfer data, String nodeId,
                         String localSegment, SsdNode localSsd, DeliveryOptions delivery, MeterRegistry meters,
                         BooleanSupplier masterKnown, NodeBudgets budgets,
                         java.util.concurrent.atomic.AtomicLong registeredBuffers) {
    this.options = options;
    this.port = port;
    this.metadata = metadata;
    this.data = data;
    this.nodeId = nodeId;
    this.localSegment = localSegment;
    this.localSsd = localSsd;
    this.delivery = delivery;
    this.meters = meters;
    this.masterKnown = masterKnown;
    this.budgets = budgets;
    this.registeredBuffers = registeredBuffers;
  }

  @Override
  public Future<?> start() {
    GatewayMetrics metrics = new GatewayMetrics(meters);
    Promoter promoter = new Promoter(options.promotionOnHit(), metadata, data, localSegment);
    ReadFlow reads = new ReadFlow(data, new SsdReader(vertx, delivery, nodeId, localSsd, data), promoter,
        MillisClock.MONOTONIC, metrics);
    PutFlow puts = new PutFlow(metadata, data, options.putFullRetries());
    SharedBuffers buffers = new SharedBuffers(vertx, options.shm(), SharedBuffers.processUid(), registeredBuffers);
    MethodTable table = KvStoreMethods.table(new ValueHandlers(options, metadata, puts, reads, metrics),
        new KeyHandlers(options, metadata, metrics), new TwoPhaseHandlers(options, metadata, data, reads, metrics),
        new ReplicationHandlers(options, metadata, metrics),
        new SameHostHandlers(options, buffers, metadata, puts, reads, data, metrics));
    MethodTable health = HealthMethods.table(masterKnown, List.of(table.serviceName()));
    GrpcServices services = new GrpcServices(List.of(table, health,
        ReflectionMethods.table(List.of(table.service(), health.service()))));
    TransportLimits limits = options.transport();
    ContextInternal here = (ContextInternal) context;
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true))
        .connectHandler(socket -> GrpcConnection.install(socket, here, services, limits, budgets));
    Future<?> tcp = server.listen(port, options.host());
    if (options.unixSocket() == null || !vertx.isNativeTransportEnabled()) {
      return tcp;
    }
    unixServer = vertx.createNetServer()
        .connectHandler(socket -> GrpcConnection.install(socket, here, services, limits, budgets));
    return tcp.compose(ignored -> unixServer.listen(SocketAddress.domainSocketAddress(options.unixSocket().toString())));
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Ready once the master has answered (otherwise every call would fail with RPC_FAIL). */
  public boolean isReady() {
    return server != null && masterKnown.getAsBoolean();
  }
}
