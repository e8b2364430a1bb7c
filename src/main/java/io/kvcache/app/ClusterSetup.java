package io.kvcache.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.kvcache.cluster.ClusterOptions;
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
}
