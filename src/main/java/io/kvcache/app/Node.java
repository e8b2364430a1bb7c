package io.kvcache.app;

import io.kvcache.admin.AdminHttpVerticle;
import io.kvcache.bus.Departures;
import io.kvcache.bus.MasterCalls;
import io.kvcache.bus.MasterPresence;
import io.kvcache.bus.ProtoCodec;
import io.kvcache.bus.RemoteMetadata;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.cluster.LeaseStore;
import io.kvcache.gateway.GatewayVerticle;
import io.kvcache.gateway.grpc.BufferBudget;
import io.kvcache.master.HaMetrics;
import io.kvcache.gateway.grpc.NodeBudgets;
import io.kvcache.master.MasterRole;
import io.kvcache.master.MasterSupervisor;
import io.kvcache.metadata.CurrentMetadata;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.RefusingMetadata;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.MillisClock;
import io.kvcache.storage.DataTransfer;
import io.kvcache.storage.peer.PeerDataClient;
import io.kvcache.storage.peer.PeerDirectory;
import io.kvcache.storage.StorageRole;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import io.micrometer.core.instrument.Gauge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running node, the composition root: a clustered Vert.x, then the role objects its config asks for — built here
 * and handed to each verticle with exactly what that verticle uses — deployed in dependency order (the master role's
 * supervisor, storage's memory and SSD, gateways, then the storage verticles that mount the segment with the gateway's
 * real port), so a single-node store is usable as soon as {@link #start} completes.
 *
 * <p>Any number of nodes may have the master role: each runs a {@link MasterSupervisor}, one holds the master lease and
 * serves, the others stand by. A gateway on a master-role node picks, per call, its own shards while its node is the
 * active master and the event bus otherwise; every node refuses metadata calls while it sits in a minority of the
 * cluster.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());
  private static final Metadata IN_MINORITY = new RefusingMetadata(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS);

  private final KvStoreOptions options;
  private final Vertx vertx;
  private final String nodeId;
  private final MeterRegistry meters;
  private final MasterSupervisor master;
  private final StorageRole storage;
  private final List<GatewayVerticle> gateways;
  private final AdminHttpVerticle admin;
  private final Metadata remoteMetadata;

  private Node(KvStoreOptions options, Vertx vertx, String nodeId, MeterRegistry meters, MasterSupervisor master,
               StorageRole storage, List<GatewayVerticle> gateways, AdminHttpVerticle admin, Metadata remoteMetadata) {
    this.options = options;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.meters = meters;
    this.master = master;
    this.storage = storage;
    this.gateways = gateways;
    this.admin = admin;
    this.remoteMetadata = remoteMetadata;
  }

  public static Future<Node> start(KvStoreOptions options) {
    return ClusterSetup.start(options).compose(clustered -> {
      Vertx vertx = clustered.vertx();
      ProtoCodec.register(vertx.eventBus());
      Wiring wiring = new Wiring(options, vertx, clustered, BackendRegistries.getNow(options.node().name()));
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
    final ClusterSetup.Clustered clustered;
    final String nodeId;
    final MeterRegistry meters;
    final ClusterMembership membership;
    final DeliveryOptions delivery;
    final Departures departures;
    final LeaseStore lease;
    final MasterPresence presence;
    MasterSupervisor master;
    StorageRole storage;
    final PeerDirectory peers;
    Metadata remote;
    final List<GatewayVerticle> gateways = new ArrayList<>();

    Wiring(KvStoreOptions options, Vertx vertx, ClusterSetup.Clustered clustered, MeterRegistry meters) {
      this.options = options;
      this.vertx = vertx;
      this.clustered = clustered;
      this.nodeId = clustered.clusterManager().getNodeId();
      this.meters = meters;
      this.membership = new ClusterMembership(clustered.clusterManager().getHazelcastInstance(),
          options.cluster().quorum());
      this.departures = new Departures(membership::isMember);
      this.delivery = new DeliveryOptions().setSendTimeout(options.cluster().requestTimeoutMs());
      this.peers = new PeerDirectory(vertx);
      long leaseMs = options.master().leaseMs();
      this.lease = new LeaseStore(clustered.clusterManager().getHazelcastInstance(), leaseMs, 2 * leaseMs);
      this.presence = new MasterPresence(vertx, HaMetrics.staleTermRefused(meters, "gateway"), lease::read,
          membership::isMember);
      membership.onNodeLeft(node -> {
        departures.left(node);
        presence.forget(node);
      });
    }

    Future<Node> build() {
      return (options.has(Role.MASTER) ? deployMaster() : Future.succeededFuture())
          .compose(ignored -> options.has(Role.STORAGE)
              ? StorageRole.open(options.storage(), options.node().name(), nodeId, vertx, meters)
              : Future.<StorageRole>succeededFuture())
          .compose(opened -> {
            storage = opened;
            remote = new RemoteMetadata(new MasterCalls(vertx, presence, departures, presence, nodeId),
                delivery, options.cluster().masterWaitMs());
            MasterSupervisor supervisor = master;
            Metadata metadata = new CurrentMetadata(() -> {
              if (!membership.hasQuorum()) {
                return IN_MINORITY;
              }
              Metadata local = supervisor != null && supervisor.serving() ? supervisor.metadata() : null;
              return local != null ? local : remote;
            });
            // Its connections live on this Vert.x instance's event loops and close with it.
            PeerDataClient peerData = new PeerDataClient(vertx, peers, options.cluster().requestTimeoutMs());
            DataTransfer data = new DataTransfer(vertx, delivery, nodeId, options.node().name(),
                storage == null ? null : storage.segment(), storage == null ? null : storage.session(), departures,
                peerData);
            BooleanSupplier masterKnown = () -> (supervisor != null && supervisor.serving()) || presence.known();
            // Gateways bind before the segment mounts, so the segment is announced with the gateway's real port.
            Future<?> gatewaysUp = options.has(Role.GATEWAY) ? deployGateways(metadata, data, masterKnown)
                : Future.succeededFuture();
            return gatewaysUp.compose(ignored -> storage == null ? Future.succeededFuture()
                : storage.deploy(vertx, endpoint(), delivery, metadata, data, presence, departures, peers,
                    options.cluster().host(), options.cluster().dataPort(), Math.max(1, options.node().eventLoops()))
                    .compose(deployed -> mountedIfMasterKnown(masterKnown)));
          })
          .compose(ignored -> {
            AdminHttpVerticle admin = new AdminHttpVerticle(options.node().name(), options.node().metricsHost(),
                options.node().metricsPort(), () -> gateways.stream().allMatch(GatewayVerticle::isReady)
                    && (storage == null || storage.isMounted()));
            return vertx.deployVerticle(admin)
                .map(id -> new Node(options, vertx, nodeId, meters, master, storage, gateways, admin, remote));
          });
    }

    /**
     * Waits (at most the master wait) for the segment's first mount when a master is known: a single node's puts then
     * find its segment as soon as start completes, instead of NO_AVAILABLE_HANDLE for the few milliseconds the mount
     * takes. Without a master yet, the node starts at once and mounts when one appears.
     */
    private Future<?> mountedIfMasterKnown(BooleanSupplier masterKnown) {
      if (!masterKnown.getAsBoolean()) {
        return Future.succeededFuture();
      }
      return storage.firstMount().timeout(options.cluster().masterWaitMs(), TimeUnit.MILLISECONDS).otherwiseEmpty();
    }

    /** This node's gRPC endpoint as other nodes and clients should dial it. */
    private String endpoint() {
      int port = gateways.isEmpty() ? options.gateway().port() : gateways.get(0).actualPort();
      return options.gateway().host() + ":" + port;
    }

    /**
     * Deploys the master role's supervisor and waits (at most two leases) until this node is the active master or
     * knows who is: a single node is then ready to serve when start completes; a node that finds a master follows it.
     */
    private Future<?> deployMaster() {
      master = new MasterSupervisor(options.master(), meters, membership, lease, nodeId,
          Math.max(1, options.node().eventLoops()), MillisClock.MONOTONIC);
      return vertx.deployVerticle(master).compose(ignored -> master.firstDecision());
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

  /** The active master's state while this node is the active master; null otherwise (no role, or a standby). */
  public MasterRole master() {
    return master == null ? null : master.active();
  }

  /** The master role's supervisor, or null when this node does not have the master role. */
  public MasterSupervisor masterSupervisor() {
    return master;
  }

  /**
   * The metadata API over the event bus to the active master, wherever it runs: what this node's gateways use while it
   * is not the active master itself.
   */
  public Metadata remoteMetadata() {
    return remoteMetadata;
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

  /** Undeploys everything (the master gives its lease up, the storage node unmounts its segment), then frees memory. */
  public Future<Void> stop() {
    LOG.info("stopping node " + options.node().name());
    return vertx.close().onComplete(ignored -> {
      if (storage != null) {
        storage.close(); // every thread that could touch the segment or the SSD is gone with Vert.x
      }
    });
  }
}
