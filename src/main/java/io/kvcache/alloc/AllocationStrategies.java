package io.kvcache.alloc;

import java.util.List;

/** Creates strategies by their config name ({@code allocation_strategy}). Stateless; thread-safe. */
public final class AllocationStrategies {
  public static final List<String> NAMES = List.of("random", "free_ratio_first", "fragmentation_aware");

  private AllocationStrategies() {}

  /** A new strategy instance seeded with {@code seed}; an unknown name is an IllegalArgumentException listing the valid ones. */
  public static AllocationStrategy create(String name, long seed) {
    return switch (name == null ? "" : name) {
      case "random" -> new RandomStrategy(seed);
      case "free_ratio_first" -> new FreeRatioFirstStrategy(seed);
      case "fragmentation_aware" -> new FragmentationAwareStrategy(seed);
      default -> throw new IllegalArgumentException(
          "unknown allocation strategy '" + name + "'; valid: " + String.join(", ", NAMES));
    };
  }
}
