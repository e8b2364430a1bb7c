package io.kvcache.app;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code ./kvstore start [config.json]}: starts one node and runs until Ctrl-C / SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Path config = Path.of(args.length > 0 ? args[0] : "conf/kvstore.json");
    KvStoreOptions options;
    try {
      options = ConfigLoader.load(config, System.getenv());
    } catch (ConfigException e) {
      System.err.println("kvstore: " + e.getMessage());
      System.exit(2);
      return;
    }
    Node node;
    try {
      node = Node.start(options).await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("kvstore: startup failed: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("kvstore: unclean stop: " + e.getMessage());
      }
      System.out.println("kvstore: stopped");
      System.out.flush();
      stopped.countDown();
      // The node is closed: report a clean stop (status 0) rather than the JVM's 143 for "killed by SIGTERM".
      Runtime.getRuntime().halt(0);
    }, "kvstore-shutdown"));
    String grpc = node.grpcPort() > 0 ? options.gateway().host() + ":" + node.grpcPort() : "(no gateway role)";
    System.out.println("kvstore: node '" + options.node().name() + "' ready; roles=" + options.node().roles()
        + " grpc=" + grpc + " metrics=http://" + options.node().metricsHost() + ":" + node.metricsPort() + "/metrics");
    stopped.await();
  }
}
