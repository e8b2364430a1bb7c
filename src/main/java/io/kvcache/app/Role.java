package io.kvcache.app;

import java.util.Locale;

/** What a node runs; its config lists one or more. */
public enum Role {
  MASTER, STORAGE, GATEWAY;

  static Role of(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
