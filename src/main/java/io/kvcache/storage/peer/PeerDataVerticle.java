package io.kvcache.storage.peer;

import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.load.LoadBuffers;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.function.LongPredicate;

/**
 * Serves this node's segment (and the objects its SSD loaded for readers elsewhere) to the other nodes over the data
 * protocol ({@link PeerWire}): a Vert.x {@link NetServer} whose connections are taken over by
 * {@link PeerServerConnection} before a byte is read. Deploy one instance per
 * event loop; they share the port.
 */
public final class PeerDataVerticle extends VerticleBase {
  private final String host;
  private final int port;
  private final DramSegment segment;
  private final LoadBuffers loads;
  private final String segmentName;
  private final byte[] secret;
  private final LongPredicate admitsTerm;
  private NetServer server;

  /**
   * @param port the port to listen on (negative: share one free port among the instances)
   * @param segment the node's segment, or null
   * @param loads its SSD's load buffers, or null
   */
  public PeerDataVerticle(String host, int port, DramSegment segment, LoadBuffers loads, String segmentName,
                          byte[] secret, LongPredicate admitsTerm) {
    this.host = host;
    this.port = port;
    this.segment = segment;
    this.loads = loads;
    this.segmentName = segmentName;
    this.secret = secret;
    this.admitsTerm = admitsTerm;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true)).connectHandler(socket -> {
      // Before Vert.x's handler: it would copy every received buffer to the heap.
      ((NetSocketInternal) socket).channelHandlerContext().pipeline()
          .addBefore("handler", "kv-peer", new PeerServerConnection(segment, loads, segmentName, secret, admitsTerm));
    });
    return server.listen(port, host);
  }

  public int actualPort() {
    return server.actualPort();
  }
}
