#!/usr/bin/env bash
# Throughput of kvcache-store against Redis on this machine: same value sizes, 8 concurrent clients with one request in
# flight each, put then get. Starts a node on the default config and a Redis server (Debian's redis-server, installed
# if missing) on loopback, prints one table of MB/s (10^6 bytes/s) for both and the ratio store/redis.
#
#   bench/store-vs-redis.sh [--sizes 4096,65536,1048576] [--seconds 5] [--clients 8]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=4096,65536,1048576; SECONDS_PER_PHASE=5; CLIENTS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --seconds) SECONDS_PER_PHASE=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "installing redis-server and redis-tools (Debian packages)" >&2
  apt-get install -y -q redis-server redis-tools >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q redis-server redis-tools >/dev/null; }
fi

OUT=bench/out; mkdir -p "$OUT"
REDIS_PORT=6390
STORE_PORT=50051
cleanup() {
  [ -n "${STORE_PID:-}" ] && kill "$STORE_PID" 2>/dev/null && wait "$STORE_PID" 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}
trap cleanup EXIT

redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes \
  --logfile "$PWD/$OUT/redis.log" --maxmemory 0 >/dev/null
./kvstore start conf/kvstore.json > "$OUT/store.log" 2>&1 &
STORE_PID=$!
for _ in $(seq 1 600); do grep -q "ready;" "$OUT/store.log" && break; sleep 0.2; done
grep -q "ready;" "$OUT/store.log" || { echo "store did not start:"; cat "$OUT/store.log"; exit 1; }

# keys per size: the whole key set stays under ~800 MB so it fits the default 1 GiB segment (and Redis's memory)
keys_for() { local k=$(( 800000000 / $1 )); [ "$k" -gt 100000 ] && k=100000; echo "$k"; }

declare -A STORE REDIS
IFS=, read -ra SIZE_LIST <<< "$SIZES"
for size in "${SIZE_LIST[@]}"; do
  keys=$(keys_for "$size")
  while read -r line; do
    op=$(sed -n 's/.*op=\([a-z]*\).*/\1/p' <<< "$line"); mbps=$(sed -n 's/.*mbps=\([0-9.]*\).*/\1/p' <<< "$line")
    STORE[$op,$size]=$mbps
  done < <(./kvstore java io.kvcache.bench.StoreLoad --port "$STORE_PORT" --clients "$CLIENTS" --size "$size" \
             --keys "$keys" --seconds "$SECONDS_PER_PHASE" | grep '^RESULT')
  # Redis: fill the same key set first (10x requests over the key space leaves ~e^-10 of it unset), then time SET and
  # GET with as many requests as take about the same time as ours.
  requests=$(( (SECONDS_PER_PHASE * 2000000000) / size )); [ "$requests" -lt 20000 ] && requests=20000
  redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -d "$size" -r "$keys" -n $(( keys * 10 )) -t set -q >/dev/null
  while IFS=, read -r name rps _; do
    name=${name//\"/}; rps=${rps//\"/}
    case "$name" in SET) op=put ;; GET) op=get ;; *) continue ;; esac
    REDIS[$op,$size]=$(awk -v r="$rps" -v s="$size" 'BEGIN { printf "%.1f", r * s / 1e6 }')
  done < <(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -d "$size" -r "$keys" -n "$requests" -t set,get --csv 2>/dev/null)
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
done

printf '\n| value size | op | kvcache-store MB/s | Redis MB/s | store / Redis |\n|---:|---|---:|---:|---:|\n'
for size in "${SIZE_LIST[@]}"; do
  for op in put get; do
    s=${STORE[$op,$size]:-0}; r=${REDIS[$op,$size]:-0}
    ratio=$(awk -v s="$s" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", s / r; else print "n/a" }')
    printf '| %s | %s | %s | %s | %s |\n' "$(numfmt --to=iec "$size")" "$op" "$s" "$r" "$ratio"
  done
done
