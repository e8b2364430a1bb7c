package io.kvcache.app;

import java.util.Set;

/**
 * The node itself.
 *
 * @param name name of the node and of its DRAM segment
 * @param roles roles it runs
 * @param eventLoopThreads Vert.x event loops (0: 2 x cores)
 * @param metricsHost address of /metrics and /health
 * @param metricsPort their port (0: any free port)
 */
public record NodeOptions(String name, Set<Role> roles, int eventLoopThreads, String metricsHost, int metricsPort) {
  public NodeOptions {
    roles = Set.copyOf(roles);
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** Event loops Vert.x runs. */
  public int eventLoops() {
    return eventLoopThreads > 0 ? eventLoopThreads : 2 * Runtime.getRuntime().availableProcessors();
  }
}
