#!/usr/bin/env bash
# Same-host data path against Redis and memcpy, one run on this machine: 8 concurrent clients, 64 KiB values in batches
# of 128 and 1 MiB values in batches of 16. Rows:
#   - Python client (clients/python) batch_put_from / batch_get_into over the node's Unix socket (bench/same_host.py)
#   - Java client (io.kvcache.client) the same (io.kvcache.bench.SameHostLoad)
#   - Redis SET / GET of the same value sizes from redis-benchmark (a private redis-server on loopback, no persistence)
#   - a plain memory copy of the same batches: numpy (Python) and MemorySegment.copy (Java), 8 copiers
# MB/s are 10^6 bytes per second; CPU s/GB is the server process's utime + stime (from /proc/<pid>/stat) per 10^9 bytes
# moved (the results file also has the user/system split, and the clients' own CPU seconds). "vs memcpy" divides by
# the faster of the two memcpy rows (the node, a JVM, does the store's one copy).
# Warm-up: the store is measured warm, as a long-running node is. On 2 busy cores C2 needs ~40 s of load to compile
# the node's put and get paths (measured: C2 threads took 30% of the machine 14-22 s into a run), so a warm-up pass
# (--node-warmup seconds per phase and row, Python client, untimed) runs first; then every measured phase runs
# --warmup seconds untimed (a fresh Java client JVM compiles its own path). Redis is warmed by the SET run that fills
# its keys.
#
# Run it under the machine-wide lock, after building under it (nothing else may run meanwhile; the script does not
# take the lock itself, so it can be called from a shell that holds it):
#   flock /tmp/mvn.lock sh -c 'mvn -o -q -B -DskipTests process-test-classes && touch target/classes/.built'
#   flock /tmp/mvn.lock bench/same-host.sh [--seconds 5] [--clients 8] [--warmup 10] [--node-warmup 20]
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_PHASE=5; CLIENTS=8; WARMUP=10; NODE_WARMUP=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_PHASE=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --node-warmup) NODE_WARMUP=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
ROWS=("65536 128" "1048576 16")

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "installing redis-server and redis-tools (Debian packages)" >&2
  apt-get install -y -q redis-server redis-tools >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q redis-server redis-tools >/dev/null; }
fi
/usr/bin/python3 -c 'import grpc, google.protobuf, numpy' 2>/dev/null || {
  echo "installing python3-grpcio python3-protobuf python3-numpy (Debian packages)" >&2
  apt-get install -y -q python3-grpcio python3-protobuf python3-numpy >/dev/null; }

OUT=bench/out; mkdir -p "$OUT"
RESULTS=$OUT/same-host.results; : > "$RESULTS"
REDIS_PORT=6391
UDS=$PWD/$OUT/same-host.sock
cat > "$OUT/same-host.json" <<EOF
{
  "roles": ["master", "storage", "gateway"],
  "grpc_host": "127.0.0.1", "grpc_port": 0, "metrics_host": "127.0.0.1", "metrics_port": 0,
  "segment_size": "1GiB", "cluster_name": "kvstore-same-host-bench", "cluster_host": "127.0.0.1",
  "cluster_port": 5791, "cluster_members": ["127.0.0.1:5791"], "grpc_uds_path": "$UDS"
}
EOF

cleanup() {
  [ -n "${STORE_PID:-}" ] && kill "$STORE_PID" 2>/dev/null && wait "$STORE_PID" 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}
trap cleanup EXIT

# user and system CPU seconds of a process (utime and stime, fields 14 and 15 of /proc/PID/stat; USER_HZ is 100)
cpu_split() { awk '{ sub(/^.*\) /, ""); print $12 / 100, $13 / 100 }' "/proc/$1/stat"; }

# --- the store: Python and Java clients over the Unix socket
./kvstore start "$OUT/same-host.json" > "$OUT/same-host-store.log" 2>&1 &
STORE_PID=$!
for _ in $(seq 1 600); do grep -q "ready;" "$OUT/same-host-store.log" && break; sleep 0.2; done
grep -q "ready;" "$OUT/same-host-store.log" || { echo "store did not start:"; cat "$OUT/same-host-store.log"; exit 1; }
echo "store pid $STORE_PID ready; $(nproc) cores; $(date -u +%FT%TZ)" >&2

if [ "$NODE_WARMUP" != 0 ]; then
  echo "warm-up pass: ${NODE_WARMUP} s per phase and row (output discarded)" >&2
  for row in "${ROWS[@]}"; do
    read -r size batch <<< "$row"
    /usr/bin/python3 bench/same_host.py store --uds "$UDS" --clients "$CLIENTS" --size "$size" --batch "$batch" \
      --seconds 1 --warmup "$NODE_WARMUP" > /dev/null
  done
fi
for row in "${ROWS[@]}"; do
  read -r size batch <<< "$row"
  /usr/bin/python3 bench/same_host.py store --uds "$UDS" --clients "$CLIENTS" --size "$size" --batch "$batch" \
    --seconds "$SECONDS_PER_PHASE" --warmup "$WARMUP" --cpu-pid "$STORE_PID" | tee -a "$RESULTS"
  ./kvstore java io.kvcache.bench.SameHostLoad --mode store --uds "$UDS" --clients "$CLIENTS" --size "$size" \
    --batch "$batch" --seconds "$SECONDS_PER_PHASE" --warmup "$WARMUP" --cpu-pid "$STORE_PID" | grep '^RESULT' \
    | tee -a "$RESULTS"
done
kill "$STORE_PID"; wait "$STORE_PID" 2>/dev/null || true; STORE_PID=

# --- memcpy of the same batches
for row in "${ROWS[@]}"; do
  read -r size batch <<< "$row"
  /usr/bin/python3 bench/same_host.py memcpy --clients "$CLIENTS" --size "$size" --batch "$batch" \
    --seconds "$SECONDS_PER_PHASE" | tee -a "$RESULTS"
  ./kvstore java io.kvcache.bench.SameHostLoad --mode memcpy --clients "$CLIENTS" --size "$size" --batch "$batch" \
    --seconds "$SECONDS_PER_PHASE" | grep '^RESULT' | tee -a "$RESULTS"
done

# --- Redis: SET then GET of the same sizes, 8 connections, no pipelining; GETs read a key set filled first
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes \
  --logfile "$PWD/$OUT/same-host-redis.log" --pidfile "$PWD/$OUT/same-host-redis.pid" --maxmemory 0 >/dev/null
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS_PID=$(cat "$OUT/same-host-redis.pid")
for row in "${ROWS[@]}"; do
  read -r size batch <<< "$row"
  keys=$(( 4 * batch * CLIENTS ))  # the store's working set: SLOTS (4) batches per client
  requests=$(( SECONDS_PER_PHASE * 3000000000 / size ))
  redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -d "$size" -r "$keys" -n $(( keys * 10 )) -t set -q >/dev/null
  for op in set get; do
    read -r user0 sys0 < <(cpu_split "$REDIS_PID"); start=$(date +%s.%N)
    rps=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -d "$size" -r "$keys" -n "$requests" -t "$op" \
      --csv 2>/dev/null | awk -F, 'NR > 1 { gsub(/"/, "", $2); print $2; exit }')
    end=$(date +%s.%N); read -r user1 sys1 < <(cpu_split "$REDIS_PID")
    awk -v op="$op" -v s="$size" -v b="$batch" -v c="$CLIENTS" -v r="$rps" -v n="$requests" -v u0="$user0" \
        -v u1="$user1" -v s0="$sys0" -v s1="$sys1" -v t0="$start" -v t1="$end" 'BEGIN {
      moved = n * s; user = u1 - u0; sys = s1 - s0; cpu = user + sys; name = (op == "set") ? "put" : "get"
      printf "RESULT client=redis op=%s size=%d batch=%d clients=%d mbps=%.1f bytes=%.0f seconds=%.3f", name, s, b, c,
        r * s / 1e6, moved, t1 - t0
      printf " server_user_s=%.2f server_sys_s=%.2f server_cpu_s=%.2f cpu_s_per_gb=%.3f\n", user, sys, cpu,
        cpu / (moved / 1e9) }' | tee -a "$RESULTS"
  done
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
done

# --- the table
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
lookup() { grep "client=$1 op=$2 size=$3 " "$RESULTS" | head -1; }
best_memcpy() { grep "op=memcpy size=$1 " "$RESULTS" | sed -n 's/.* mbps=\([^ ]*\).*/\1/p' | sort -g | tail -1; }
printf '\n| value | op | client | MB/s | vs memcpy | vs Redis | server CPU s/GB | client CPU s/GB | Redis CPU s/GB |\n'
printf '|---:|---|---|---:|---:|---:|---:|---:|---:|\n'
for row in "${ROWS[@]}"; do
  read -r size batch <<< "$row"
  for op in put get; do
    redis=$(lookup redis "$op" "$size")
    for client in python java; do
      line=$(lookup "$client" "$op" "$size")
      awk -v v="$(numfmt --to=iec "$size") x$batch" -v op="$op" -v cl="$client" -v m="$(field mbps "$line")" \
          -v mc="$(best_memcpy "$size")" -v r="$(field mbps "$redis")" -v cpu="$(field cpu_s_per_gb "$line")" \
          -v rcpu="$(field cpu_s_per_gb "$redis")" -v cu="$(field client_user_s "$line")" \
          -v cs="$(field client_sys_s "$line")" -v moved="$(field bytes "$line")" 'BEGIN {
        printf "| %s | %s | %s | %.0f | %.2f | %.2f | %.3f | %.3f | %.3f |\n", v, op, cl, m, m / mc, m / r, cpu,
          (cu + cs) / (moved / 1e9), rcpu }'
    done
    printf '| %s x%s | %s | redis | %.0f | | | | | %s |\n' "$(numfmt --to=iec "$size")" "$batch" "$op" \
      "$(field mbps "$redis")" "$(field cpu_s_per_gb "$redis")"
  done
  for client in python java; do
    printf '| %s x%s | memcpy | %s | %.0f | | | | | |\n' "$(numfmt --to=iec "$size")" "$batch" "$client" \
      "$(field mbps "$(lookup "$client" memcpy "$size")")"
  done
done
