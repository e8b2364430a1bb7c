package io.kvcache.master;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The meters of master high availability on a master-role node: {@code kvstore_master_term} (the term this node holds,
 * or the highest it has seen as a standby), {@code kvstore_master_active} (1 while it serves as the active master),
 * {@code kvstore_master_replication_lag_records} and {@code _lag_ms} (on the active master: records its slowest
 * standby has not acknowledged yet, and how long ago the oldest of them was sent),
 * {@code kvstore_master_synced_standbys} (standbys the lease lists as promotable with their copy), {@code kvstore_master_promotions}
 * (times this node became the active master), {@code kvstore_master_stale_term_refused{at}} (messages refused for
 * carrying an older term), {@code kvstore_master_oplog_refused_records} (corrupt or unknown records a standby refused)
 * and {@code kvstore_master_restore_dropped_objects} (objects a promotion's validation dropped).
 *
 * <p>Thread-safe (Micrometer meters and atomics).
 */
public final class HaMetrics {
  public static final String STALE_TERM_REFUSED = "kvstore_master_stale_term_refused";

  final AtomicLong lagRecords = new AtomicLong();
  final AtomicLong lagMs = new AtomicLong();
  final AtomicLong syncedStandbys = new AtomicLong();
  final Counter promotions;
  final Counter staleAtMaster;
  final Counter staleAtStandby;
  final Counter refusedRecords;
  final Counter droppedOnRestore;

  public HaMetrics(MeterRegistry registry, LongSupplier term, BooleanSupplier active) {
    Gauge.builder("kvstore_master_term", term::getAsLong).description("Fencing term held, or highest seen by a standby")
        .register(registry);
    Gauge.builder("kvstore_master_active", () -> active.getAsBoolean() ? 1 : 0)
        .description("1 while this node serves as the active master").register(registry);
    Gauge.builder("kvstore_master_replication_lag_records", lagRecords, AtomicLong::get)
        .description("Op-log records the slowest standby has not acknowledged").register(registry);
    Gauge.builder("kvstore_master_replication_lag_ms", lagMs, AtomicLong::get)
        .description("Age of the oldest op-log batch a standby has not acknowledged").register(registry);
    Gauge.builder("kvstore_master_synced_standbys", syncedStandbys, AtomicLong::get)
        .description("Standbys the lease lists as synced (promotable with their copy)").register(registry);
    promotions = Counter.builder("kvstore_master_promotions").description("Times this node became the active master")
        .register(registry);
    staleAtMaster = staleTermRefused(registry, "master");
    staleAtStandby = staleTermRefused(registry, "standby");
    refusedRecords = Counter.builder("kvstore_master_oplog_refused_records")
        .description("Op-log records a standby refused (checksum mismatch, malformed, unknown type)").register(registry);
    droppedOnRestore = Counter.builder("kvstore_master_restore_dropped_objects")
        .description("Objects dropped by validation when a standby was promoted").register(registry);
  }

  /** The counter of messages refused for a stale term at {@code at} (master, standby, storage, gateway). */
  public static Counter staleTermRefused(MeterRegistry registry, String at) {
    return Counter.builder(STALE_TERM_REFUSED).tag("at", at)
        .description("Messages refused because they carried an older master term").register(registry);
  }
}
