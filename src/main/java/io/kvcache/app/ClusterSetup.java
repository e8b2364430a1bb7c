package io.kvcache.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.cluster.ClusterOptions;
import io.kvcache.cluster.HigherTermMergePolicy;
import io.kvcache.cluster.LeaseStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Builds the clustered Vert.x instance of a node: Hazelcast with TCP-IP join to the configured members, bound to
 * {@code cluster_host} only, multicast/auto-detection/phone-home off, and no initial join wait (the default 5 s would be
 * paid by every joining node).
 *
 * <p>Membership and split brain (issue 12): the two sides of a split look for each other after 5 s and then every
 * second (Hazelcast's defaults are 300 s and 120 s: a paused node came back as a one-member cluster and stayed apart
 * for minutes), so a node paused past the heartbeat timeout is one cluster again within seconds of waking. With a
 * quorum above 1, the master lease map refuses every operation on a side that has not heard from a quorum of members
 * within the tolerance below, so a side cut off from the majority can neither elect nor keep a master.
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  /** A started clustered Vert.x with the cluster manager it runs on. */
  public record Clustered(Vertx vertx, HazelcastClusterManager clusterManager) {}

  /** Starts the clustered Vert.x; its Micrometer registry is named after the node so two nodes in one JVM stay apart. */
  public static Future<Clustered> start(KvStoreOptions options) {
    ClusterOptions cluster = options.cluster();
    VertxOptions vertxOptions = new VertxOptions()
        .setPreferNativeTransport(true) // epoll when it loads: Unix sockets with peer credentials
        .setEventBusOptions(new EventBusOptions()
            .setHost(cluster.host())
            .setPort(cluster.busPort())
            .setClusterPublicHost(cluster.host()))
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(options.node().name())
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    if (options.node().eventLoopThreads() > 0) {
      vertxOptions.setEventLoopPoolSize(options.node().eventLoopThreads());
    }
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig(cluster));
    return Vertx.builder()
        .with(vertxOptions)
        .withClusterManager(clusterManager)
        .buildClustered()
        .map(vertx -> {
          vertx.exceptionHandler(new UnhandledExceptions());
          return new Clustered(vertx, clusterManager);
        });
  }

  static Config hazelcastConfig(ClusterOptions options) {
    Config cfg = ConfigUtil.loadConfig(); // Vert.x's defaults keep the __vertx.* map settings
    cfg.setClusterName(options.name());
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds",
        String.valueOf(Math.max(1, options.heartbeatTimeoutMs() / 1000)));
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.prefer.ipv4.stack", "true");
    cfg.setProperty("hazelcast.logging.type", "jdk");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    cfg.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "1");
    masterLease(cfg, options);
    cfg.getJetConfig().setEnabled(false);
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(options.port()).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(options.host()));
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.members()).setConnectionTimeoutSeconds(1);
    return cfg;
  }

  /**
   * The master lease map: a copy on every member (up to Hazelcast's 6 backups; it is one small entry), asynchronous so
   * that a member that is frozen but not yet dropped from the cluster does not hold every renewal up for Hazelcast's
   * backup timeout (which would fence the master for as long as any node sleeps; the master's validity lags one grant
   * behind to cover a backup lost with a dying owner, see LeaseKeeper), the higher term winning a merge, and — with a quorum — "recently active" split-brain protection: an operation on the entry needs a
   * quorum of members heard from within the tolerance. The tolerance is shorter than the heartbeat timeout minus a lease
   * (and at least Hazelcast's 1 s heartbeat), so a master cut off with the entry's owner is refused renewals, and stops
   * serving, before the other side can drop it from the cluster and elect a successor.
   */
  private static void masterLease(Config cfg, ClusterOptions options) {
    MapConfig lease = new MapConfig(LeaseStore.MAP).setBackupCount(0).setAsyncBackupCount(6)
        .setMergePolicyConfig(new MergePolicyConfig(HigherTermMergePolicy.class.getName(), 1));
    if (options.quorum() > 1) {
      long tolerance = Math.clamp(options.heartbeatTimeoutMs() - options.masterLeaseMs() - 1000, 1000,
          Math.max(1000, options.heartbeatTimeoutMs()));
      cfg.addSplitBrainProtectionConfig(SplitBrainProtectionConfig.newRecentlyActiveSplitBrainProtectionConfigBuilder(
          ClusterMembership.QUORUM, options.quorum(), (int) tolerance).build());
      lease.setSplitBrainProtectionName(ClusterMembership.QUORUM);
    }
    cfg.addMapConfig(lease);
  }
}
