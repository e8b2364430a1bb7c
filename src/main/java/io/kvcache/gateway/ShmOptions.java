package io.kvcache.gateway;

import java.nio.file.Path;

/**
 * The same-host path's shared buffers.
 *
 * @param directory where clients create the files they register (absolute, normalised)
 * @param maxBufferBytes largest buffer a client may register
 * @param buffersPerConnection most buffers one connection may have registered at once
 */
public record ShmOptions(Path directory, long maxBufferBytes, int buffersPerConnection) {}
