package io.kvcache.gateway;

import io.kvcache.gateway.grpc.ClientIds;
import io.kvcache.gateway.grpc.FastPath;
import io.kvcache.gateway.grpc.GrpcTransport;
import io.kvcache.gateway.grpc.HealthService;
import io.kvcache.gateway.grpc.MethodTable;
import io.kvcache.gateway.grpc.VertxGrpcService;
import io.kvcache.metadata.Metadata;
import io.kvcache.replica.MillisClock;
import io.kvcache.ssd.SsdNode;
import io.kvcache.storage.DataTransfer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;

import java.util.function.BooleanSupplier;

/**
 * The gRPC endpoint engines call (one instance per event loop, all sharing the port): the KvStore method table served
 * by Vert.x gRPC and, for the data-plane methods, by our own framing; the standard health service; server reflection
 * (so stock tools can call the store without its .proto files).
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
  private HttpServer server;

  /**
   * @param port the port to listen on (negative: share one free port among the instances)
   * @param localSegment the name of this node's segment (promotion prefers it)
   * @param localSsd this node's SSD, read directly when it holds a value; null if none
   * @param masterKnown whether the master has answered (the gateway is ready only then)
   */
  public GatewayVerticle(GatewayOptions options, int port, Metadata metadata, DataTransfer data, String nodeId,
                         String localSegment, SsdNode localSsd, DeliveryOptions delivery, MeterRegistry meters,
                         BooleanSupplier masterKnown) {
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
  }

  @Override
  public Future<?> start() {
    GatewayMetrics metrics = new GatewayMetrics(meters);
    Promoter promoter = new Promoter(options.promotionOnHit(), metadata, data, localSegment);
    ReadFlow reads = new ReadFlow(data, new SsdReader(vertx, delivery, nodeId, localSsd), promoter,
        MillisClock.MONOTONIC, metrics);
    PutFlow puts = new PutFlow(metadata, data, options.putFullRetries());
    MethodTable table = KvStoreMethods.table(new ValueHandlers(options, metadata, puts, reads, metrics),
        new KeyHandlers(options, metadata, metrics), new TwoPhaseHandlers(options, metadata, data, reads, metrics),
        new ReplicationHandlers(options, metadata, metrics));
    ClientIds clients = new ClientIds();
    long maxMessage = options.maxMessageSize();
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(maxMessage));
    grpc.addService(new VertxGrpcService(table, clients));
    grpc.addService(new HealthService(masterKnown));
    grpc.addService(ReflectionService.v1());
    server = vertx.createHttpServer(GrpcTransport.serverOptions(maxMessage))
        .requestHandler(new FastPath(table, KvStoreMethods.DATA_PLANE, clients, maxMessage).in(grpc));
    return server.listen(port, options.host());
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Ready once the master has answered (otherwise every call would fail with RPC_FAIL). */
  public boolean isReady() {
    return server != null && masterKnown.getAsBoolean();
  }
}
