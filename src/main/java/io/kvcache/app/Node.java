package io.kvcache.app;

import io.kvcache.admin.AdminHttpVerticle;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.MasterPresence;
import io.kvcache.bus.ProtoCodec;
import io.kvcache.bus.RemoteMetadata;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.gateway.GatewayVerticle;
import io.kvcache.gateway.grpc.BufferBudget;
import io.kvcache.gateway.grpc.NodeBudgets;
import io.kvcache.master.MasterRole;
import io.kvcache.metadata.Metadata;
import io.kvcache.proto.bus.MasterInfoRequest;
import io.kvcache.replica.MillisClock;
import io.kvcache.storage.DataTransfer;
import io.kvcache.storage.StorageRole;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import io.micrometer.core.instrument.Gauge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running node, the composition root: a clustered Vert.x, then the role objects its config asks for — built here
 * and handed to each verticle with exactly what that verticle uses — deployed in dependency order (master, storage's
 * memory and SSD, gateways, then the storage verticles that mount the segment with the gateway's real port), so a
 * single-node store is usable as soon as {@link #start} completes.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());

  private final KvStoreOptions options;
  private final Vertx vertx;
  private final String nodeId;
  private final MeterRegistry meters;
  private final MasterRole master;
  private final StorageRole storage;
  private final List<GatewayVerticle> gateways;
  private final AdminHttpVerticle admin;

  private Node(KvStoreOptions options, Vertx vertx, String nodeId, MeterRegistry meters, MasterRole master,
               StorageRole storage, List<GatewayVerticle> gateways, AdminHttpVerticle admin) {
    this.options = options;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.meters = meters;
    this.master = master;
    this.storage = storage;
    this.gateways = gateways;
    this.admin = admin;
  }

  public static Future<Node> start(KvStoreOptions options) {
    return ClusterSetup.start(options).compose(clustered -> {
      Vertx vertx = clustered.vertx();
      ProtoCodec.register(vertx.eventBus());
      Wiring wiring = new Wiring(options, vertx, clustered.clusterManager().getNodeId(),
          BackendRegistries.getNow(options.node().name()),
          new ClusterMembership(clustered.clusterManager().getHazelcastInstance()));
      return wiring.build().onFailure(failure -> {
        LOG.log(Level.SEVERE, "node " + options.node().name() + " failed to start", failure);
        vertx.close(); // leave the cluster; the caller sees the original failure
      });
    });
  }

  /** The steps of one node's start, with what they build so far. */
  private static final class Wiring {
    final KvStoreOptions options;
    final Vertx vertx;
    final String nodeId;
    final MeterRegistry meters;
    final ClusterMembership membership;
    final DeliveryOptions delivery;
    MasterRole master;
    StorageRole storage;
    final List<GatewayVerticle> gateways = new ArrayList<>();

    Wiring(KvStoreOptions options, Vertx vertx, String nodeId, MeterRegistry meters, ClusterMembership membership) {
      this.options = options;
      this.vertx = vertx;
      this.nodeId = nodeId;
      this.meters = meters;
      this.membership = membership;
      this.delivery = new DeliveryOptions().setSendTimeout(options.cluster().requestTimeoutMs());
    }

    Future<Node> build() {
      return (options.has(Role.MASTER) ? deployMaster() : Future.succeededFuture())
          .compose(ignored -> options.has(Role.STORAGE)
              ? StorageRole.open(options.storage(), options.node().name(), nodeId, vertx, meters)
              : Future.<StorageRole>succeededFuture())
          .compose(opened -> {
            storage = opened;
            Metadata metadata = master != null ? master.metadata() : new RemoteMetadata(vertx, delivery);
            DataTransfer data = new DataTransfer(vertx, delivery, nodeId, options.node().name(),
                storage == null ? null : storage.segment());
            BooleanSupplier masterKnown = master != null ? () -> true : new MasterPresence(vertx, delivery)::known;
            // Gateways bind before the segment mounts, so the segment is announced with the gateway's real port.
            Future<?> gatewaysUp = options.has(Role.GATEWAY) ? deployGateways(metadata, data, masterKnown)
                : Future.succeededFuture();
            return gatewaysUp.compose(ignored -> storage == null ? Future.succeededFuture()
                : storage.deploy(vertx, endpoint(), delivery, metadata, data));
          })
          .compose(ignored -> {
            AdminHttpVerticle admin = new AdminHttpVerticle(options.node().name(), options.node().metricsHost(),
                options.node().metricsPort(), () -> gateways.stream().allMatch(GatewayVerticle::isReady)
                    && (storage == null || storage.isMounted()));
            return vertx.deployVerticle(admin)
                .map(id -> new Node(options, vertx, nodeId, meters, master, storage, gateways, admin));
          });
    }

    /** This node's gRPC endpoint as other nodes and clients should dial it. */
    private String endpoint() {
      int port = gateways.isEmpty() ? options.gateway().port() : gateways.get(0).actualPort();
      return options.gateway().host() + ":" + port;
    }

    /** Refuses to become a second master, then builds and deploys the master role. */
    private Future<?> deployMaster() {
      DeliveryOptions probe = new DeliveryOptions().setSendTimeout(1000);
      return vertx.eventBus().request(Addresses.MASTER_INFO, MasterInfoRequest.getDefaultInstance(), probe)
          .transform(answered -> {
            if (answered.succeeded()) {
              return Future.failedFuture(new IllegalStateException("another master is already active in cluster '"
                  + options.cluster().name() + "'; start this node without the master role"));
            }
            master = new MasterRole(options.master(), vertx, meters, MillisClock.MONOTONIC);
            return master.deploy(vertx, membership, nodeId, Math.max(1, options.node().eventLoops()));
          });
    }

    private Future<?> deployGateways(Metadata metadata, DataTransfer data, BooleanSupplier masterKnown) {
      int instances = options.gateway().instances() > 0 ? options.gateway().instances()
          : Math.max(1, options.node().eventLoops());
      // Vert.x shares one listening socket among servers of the same host:port; a negative port means "share one free
      // port", which is how port 0 (any free port) still gives a single port for all the instances.
      int port = options.gateway().port() == 0 ? -1 : options.gateway().port();
      List<Future<String>> deployed = new ArrayList<>();
      // What all connections together may hold of received, unprocessed request bytes and of unsent response bytes.
      NodeBudgets budgets = NodeBudgets.of(options.gateway().maxMessageSize());
      Gauge.builder("kvstore_gateway_request_bytes_held", budgets.requestBytes(), BufferBudget::heldBytes)
          .description("Request bytes received by gRPC connections and not yet processed (capped per connection and node)")
          .register(meters);
      Gauge.builder("kvstore_gateway_response_bytes_queued", budgets.responseBytes(), BufferBudget::heldBytes)
          .description("Response bytes of gRPC calls queued and not yet written to the socket (capped per connection and node)")
          .register(meters);
      AtomicLong registeredBuffers = new AtomicLong();
      Gauge.builder("kvstore_gateway_registered_buffers", registeredBuffers, AtomicLong::get)
          .description("Shared-memory buffers same-host clients have registered (mapped into this node)")
          .register(meters);
      Path unixSocket = options.gateway().unixSocket();
      if (unixSocket != null && !vertx.isNativeTransportEnabled()) {
        LOG.warning("the native (epoll) transport did not load (" + vertx.unavailableNativeTransportCause()
            + "): serving gRPC on TCP only, not on " + unixSocket);
      }
      boolean withUnixSocket = unixSocket != null && vertx.isNativeTransportEnabled();
      Future<Void> ready = withUnixSocket
          ? vertx.executeBlocking(() -> {
              UnixSocketPath.prepare(unixSocket);
              return null;
            }) : Future.succeededFuture();
      return ready.compose(ignored -> {
        for (int i = 0; i < instances; i++) {
          GatewayVerticle gateway = new GatewayVerticle(options.gateway(), port, metadata, data, nodeId,
              options.node().name(), storage == null ? null : storage.ssd(), delivery, meters, masterKnown,
              budgets, registeredBuffers);
          gateways.add(gateway);
          deployed.add(vertx.deployVerticle(gateway));
        }
        return Future.all(deployed);
      }).compose(ignored -> !withUnixSocket ? Future.succeededFuture() : vertx.executeBlocking(() -> {
        UnixSocketPath.restrict(unixSocket);
        return null;
      }));
    }
  }

  public KvStoreOptions options() {
    return options;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Vert.x cluster node id: the master knows this node's segment and SSD by it. */
  public String nodeId() {
    return nodeId;
  }

  public MeterRegistry meters() {
    return meters;
  }

  /** The master role, or null when this node does not run it. */
  public MasterRole master() {
    return master;
  }

  /** The storage role, or null when this node does not run it. */
  public StorageRole storage() {
    return storage;
  }

  public int grpcPort() {
    return gateways.isEmpty() ? -1 : gateways.get(0).actualPort();
  }

  public int metricsPort() {
    return admin.actualPort();
  }

  /** Undeploys everything (the storage node unmounts its segment first), leaves the cluster, then frees memory. */
  public Future<Void> stop() {
    LOG.info("stopping node " + options.node().name());
    return vertx.close().onComplete(ignored -> {
      if (storage != null) {
        storage.close(); // every thread that could touch the segment or the SSD is gone with Vert.x
      }
    });
  }
}
