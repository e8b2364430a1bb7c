package io.kvcache.storage;

import io.kvcache.bus.Departures;
import io.kvcache.bus.MasterCalls;
import io.kvcache.bus.MasterPresence;
import io.kvcache.metadata.Metadata;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.SsdMeters;
import io.kvcache.ssd.SsdNode;
import io.kvcache.storage.peer.PeerDataServer;
import io.kvcache.storage.peer.PeerDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Everything the storage role of a node owns: its DRAM segment (allocated and pre-faulted before anything is deployed),
 * its SSD when it takes offloads (recovered before anything is deployed), and its session with the master.
 * {@link #deploy} starts the segment, SSD and task verticles; {@link #close} frees the memory and the SSD once Vert.x
 * is closed.
 */
public final class StorageRole {
  private final StorageOptions options;
  private final String segmentName;
  private final StorageSession session;
  private final DramSegment segment;
  private final SsdNode ssd;
  private SegmentVerticle segmentVerticle;
  private TaskWorker worker;

  private StorageRole(StorageOptions options, String segmentName, StorageSession session, DramSegment segment,
                      SsdNode ssd) {
    this.options = options;
    this.segmentName = segmentName;
    this.session = session;
    this.segment = segment;
    this.ssd = ssd;
  }

  /** Allocates the segment and opens the SSD, off the event loop. */
  public static Future<StorageRole> open(StorageOptions options, String segmentName, String nodeId, Vertx vertx,
                                         MeterRegistry meters) {
    Counter staleRefused = Counter.builder("kvstore_master_stale_term_refused").tag("at", "storage")
        .description("Messages refused because they carried an older master term").register(meters);
    return vertx.executeBlocking(() -> {
      DramSegment segment = options.segmentSize() == 0 ? null : new DramSegment(options.segmentSize());
      SsdNode ssd = null;
      try {
        if (options.takesOffloads()) {
          SsdOptions o = options.ssd();
          ssd = SsdNode.open(o.buckets(), o.useUring(), o.uringQueueDepth(), o.loadBufferSize(),
              o.loadBufferGcTtlMs(), () -> System.nanoTime() / 1_000_000);
        }
      } catch (Exception e) {
        if (segment != null) {
          segment.close();
        }
        throw e;
      }
      if (segment != null) {
        Gauge.builder("kvstore_segment_capacity_bytes", segment, DramSegment::size)
            .description("DRAM this node contributes").register(meters);
      }
      if (ssd != null) {
        SsdMeters.bind(meters, ssd.uringStats(), ssd.store());
      }
      return new StorageRole(options, segmentName, new StorageSession(nodeId, staleRefused), segment, ssd);
    });
  }

  /**
   * Starts serving the segment's bytes to the other nodes (on {@code dataHost:dataPort}, {@code dataInstances}
   * verticles, published in {@code peers}), then deploys the segment verticle (it mounts with the master, announcing
   * {@code endpoint}), the SSD verticle and the task worker, which runs copies and moves through {@code metadata} and
   * {@code data}.
   */
  public Future<Void> deploy(Vertx vertx, String endpoint, DeliveryOptions delivery, Metadata metadata,
                             DataTransfer data, MasterPresence presence, Departures departures, PeerDirectory peers,
                             String dataHost, int dataPort, int dataInstances) {
    // The data connection serves the segment's bytes and the objects the SSD loads for readers on other nodes.
    Future<?> serving = segment == null && ssd == null ? Future.succeededFuture()
        : PeerDataServer.start(vertx, peers, session.nodeId(), dataHost, dataPort, dataInstances, segment,
            ssd == null ? null : ssd.buffers(), segmentName, session::admit);
    MasterCalls master = new MasterCalls(vertx, presence, departures, session, session.nodeId());
    segmentVerticle = new SegmentVerticle(options, segmentName, endpoint, session, segment, delivery, master);
    int ioThreads = ssd == null ? 0 : options.ssd().ioThreads();
    worker = new TaskWorker(session, segment, ssd, ioThreads, metadata, data, delivery, master,
        Math.min(options.heartbeatIntervalMs(), 200));
    Future<?> ssdDeployed = ssd == null ? Future.succeededFuture()
        : SsdIoVerticle.deploy(vertx, session.nodeId(),
            new SsdService(ssd.store(), ssd.engineName(), ssd.loads(), segmentName), ioThreads);
    return serving.compose(ignored -> ssdDeployed).compose(ignored -> vertx.deployVerticle(segmentVerticle))
        .compose(ignored -> vertx.deployVerticle(worker)).mapEmpty();
  }

  /** Ready once the segment is mounted with the master. */
  public boolean isMounted() {
    return segmentVerticle != null && segmentVerticle.isMounted();
  }

  /** Completes once the segment is first mounted with the master (call after {@link #deploy}); never fails. */
  public Future<Void> firstMount() {
    return segmentVerticle.firstMount();
  }

  /** This node's segment, or null when it contributes none. */
  public DramSegment segment() {
    return segment;
  }

  /** This node's SSD, or null when it takes no offloads. */
  public SsdNode ssd() {
    return ssd;
  }

  public StorageSession session() {
    return session;
  }

  /** The task worker (tests pause it to hold an offload's window open). */
  public TaskWorker worker() {
    return worker;
  }

  /** Frees the SSD and the segment: call after every verticle that might touch them is gone (Vert.x closed). */
  public void close() {
    if (ssd != null) {
      ssd.close();
    }
    if (segment != null) {
      segment.close();
    }
  }
}
