package io.kvcache.storage.peer;

import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.load.LoadBuffers;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * This node's side of node-to-node transfer: {@link PeerDataVerticle}s serving its segment and its SSD's loaded
 * objects, and its endpoint (with a fresh secret) published in the {@link PeerDirectory} once they listen. The endpoint is withdrawn when Vert.x
 * undeploys the node's verticles (while the node is still a cluster member); the data verticles keep serving until
 * they are undeployed too.
 *
 * <p>Thread-safe: immutable once started.
 */
public final class PeerDataServer {
  /** The negative port by which this node's data verticles share one free port. */
  private static final int SHARED_FREE_PORT = -7;

  private final PeerEndpoint endpoint;

  private PeerDataServer(PeerEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Listens on {@code host:port} (0: any free port) with {@code instances} verticles and publishes the endpoint.
   * {@code segment} (or null) is served under {@code segmentName}, which clients authenticate for; {@code loads} (or
   * null) are the SSD's load buffers; {@code admitsTerm} says whether a write granted by the master of a given term
   * may land.
   */
  public static Future<PeerDataServer> start(Vertx vertx, PeerDirectory directory, String nodeId, String host,
                                             int port, int instances, DramSegment segment, LoadBuffers loads,
                                             String segmentName, LongPredicate admitsTerm) {
    byte[] secret = PeerAuth.randomBytes(PeerAuth.SECRET_BYTES);
    // Vert.x: servers of one Vert.x instance given the same negative port share one free port, so this must not be the
    // gateway's -1 (its connections would be handed to gRPC servers and the other way round).
    int listenPort = port == 0 ? SHARED_FREE_PORT : port;
    List<PeerDataVerticle> verticles = new ArrayList<>();
    List<Future<String>> deployed = new ArrayList<>();
    for (int i = 0; i < Math.max(1, instances); i++) {
      PeerDataVerticle v = new PeerDataVerticle(host, listenPort, segment, loads, segmentName, secret, admitsTerm);
      verticles.add(v);
      deployed.add(vertx.deployVerticle(v));
    }
    return Future.all(deployed).compose(all -> {
      PeerEndpoint endpoint = new PeerEndpoint(host, verticles.get(0).actualPort(), secret);
      return vertx.deployVerticle(new Publication(directory, nodeId, endpoint))
          .map(published -> new PeerDataServer(endpoint));
    });
  }

  public PeerEndpoint endpoint() {
    return endpoint;
  }

  /** The endpoint in the directory for as long as this verticle is deployed. */
  private static final class Publication extends VerticleBase {
    private static final long WITHDRAW_TIMEOUT_MS = 2_000;
    private final PeerDirectory directory;
    private final String nodeId;
    private final PeerEndpoint endpoint;

    Publication(PeerDirectory directory, String nodeId, PeerEndpoint endpoint) {
      this.directory = directory;
      this.nodeId = nodeId;
      this.endpoint = endpoint;
    }

    @Override
    public Future<?> start() {
      return directory.publish(nodeId, endpoint);
    }

    /** Best effort within a bound: a node that cannot reach the cluster map any more must still stop. */
    @Override
    public Future<?> stop() {
      return directory.withdraw(nodeId).timeout(WITHDRAW_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwiseEmpty();
    }
  }
}
