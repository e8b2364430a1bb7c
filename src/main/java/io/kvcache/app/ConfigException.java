package io.kvcache.app;

/** A configuration problem that stops startup; the message names the offending key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
