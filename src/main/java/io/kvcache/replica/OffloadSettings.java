package io.kvcache.replica;

/**
 * How the master offloads to SSD (reference §6, §3 "Offload-on-evict").
 *
 * @param enabled objects are offloaded at all
 * @param onEvict offload when eviction would drop an object (instead of at PutEnd)
 * @param forceEvict with {@code onEvict}: evict anyway when the object cannot be queued this round
 * @param capPerRound objects one eviction round may queue (the reference: queue limit x 0.5)
 */
public record OffloadSettings(boolean enabled, boolean onEvict, boolean forceEvict, int capPerRound) {
  public static final OffloadSettings DISABLED = new OffloadSettings(false, false, false, 0);

  public boolean atPutEnd() {
    return enabled && !onEvict;
  }

  public boolean atEviction() {
    return enabled && onEvict;
  }
}
