package io.kvcache.gateway;

/**
 * The gRPC endpoint engines call.
 *
 * @param host listen address
 * @param port listen port (0: any free port)
 * @param instances gateway verticles sharing the port (one per event loop when the node config says 0)
 * @param maxValueSize largest value a put accepts
 * @param maxKeySize largest key (namespace plus key, UTF-8 bytes)
 * @param maxBatchSize most keys one batch call may carry
 * @param putFullRetries times a put that found no space waits for an eviction round and retries
 * @param promotionOnHit a read served from SSD also copies the object back into DRAM
 * @param unixSocket path of the gRPC Unix socket for engines on this host (null: none)
 * @param shm the shared buffers such engines register
 * @param transport what one gRPC connection may cost the node
 */
public record GatewayOptions(String host, int port, int instances, long maxValueSize, int maxKeySize, int maxBatchSize,
                             int putFullRetries, boolean promotionOnHit, java.nio.file.Path unixSocket, ShmOptions shm,
                             io.kvcache.gateway.grpc.TransportLimits transport) {

  /** gRPC message limit on both sides: the largest value plus room for the other fields. */
  public long maxMessageSize() {
    return maxMessageSize(maxValueSize);
  }

  public static long maxMessageSize(long maxValueSize) {
    return maxValueSize + (1 << 20);
  }
}
