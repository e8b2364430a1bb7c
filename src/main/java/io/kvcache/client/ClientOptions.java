package io.kvcache.client;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link KvStoreClient} talks to its node.
 *
 * @param namespace the namespace of every key the client names ("" is the default namespace)
 * @param timeout the longest any call may take (then it fails with RPC_TIMEOUT)
 * @param shmDir where registered buffers' files are created: the node's {@code shm_dir}
 * @param maxMessageSize the largest gRPC message either way (values travel in messages for put/get/batchPut/batchGet)
 * @param keepAlive how often an idle client sends a health check, so the node's idle timeout never closes the connection
 *        its buffers are registered on
 */
public record ClientOptions(String namespace, Duration timeout, Path shmDir, long maxMessageSize, Duration keepAlive) {
  public static ClientOptions defaults() {
    return new ClientOptions("", Duration.ofSeconds(30), Path.of("/dev/shm"), 80L << 20, Duration.ofSeconds(60));
  }

  public ClientOptions withNamespace(String namespace) {
    return new ClientOptions(namespace, timeout, shmDir, maxMessageSize, keepAlive);
  }

  public ClientOptions withTimeout(Duration timeout) {
    return new ClientOptions(namespace, timeout, shmDir, maxMessageSize, keepAlive);
  }

  public ClientOptions withShmDir(Path shmDir) {
    return new ClientOptions(namespace, timeout, shmDir, maxMessageSize, keepAlive);
  }
}
