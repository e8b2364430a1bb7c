#!/usr/bin/env bash
# kvcache-store against Redis on this machine, in one run, with load generators that are not the bottleneck:
#   get: h2load (nghttp2-client, C) driving the store's unary Get — the body is the 5-byte gRPC prefix + a serialized
#        GetRequest of one key — against redis-benchmark GET of one key;
#   put: PutLoad (Netty on epoll, the value one direct buffer sent by reference; it prints its own CPU) putting a fresh key
#        per request against redis-benchmark SET over a key space.
# 8 connections, one request in flight each. For both servers: MB/s (10^6 bytes/s) and the server's CPU seconds per GB
# moved (utime+stime from /proc/<pid>/stat). A two-node row runs the same with the client on node A's gateway and every
# replica on node B (A has no segment), so the bytes cross the node-to-node path.
#
# Before its rows, each store setup gets --warm-up seconds of unmeasured 4 KiB puts and gets (a fresh JVM's JIT compiler
# otherwise takes a large share of the first rows' CPU; Redis has no such phase).
#
#   bench/store-vs-redis.sh [--sizes 4096,65536,1048576] [--seconds 5] [--clients 8] [--warm-up 10] [--no-two-node]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=4096,65536,1048576; SECS=5; CLIENTS=8; TWO_NODE=1; WARM=10
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --warm-up) WARM=$2; shift 2 ;;
    --no-two-node) TWO_NODE=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

need() { # command, Debian package
  command -v "$1" >/dev/null && return
  echo "installing $2 (Debian package)" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  $sudo apt-get install -y -q "$2" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$2" >/dev/null; }
}
need redis-server redis-server; need redis-benchmark redis-tools; need h2load nghttp2-client

OUT=bench/out; mkdir -p "$OUT"
REDIS_PORT=6390
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}
trap cleanup EXIT

ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }
cpu_per_gb() { awk -v t="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", (t / 100) / (b / 1e9); else print "n/a" }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }

# start_node NAME CONFIG-JSON: starts a node, waits until it is ready, appends its pid to PIDS
start_node() {
  echo "$2" > "$OUT/$1.json"
  ./kvstore start "$OUT/$1.json" > "$OUT/$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 600); do grep -q "ready;" "$OUT/$1.log" && break; sleep 0.2; done
  grep -q "ready;" "$OUT/$1.log" || { echo "node $1 did not start:"; cat "$OUT/$1.log"; exit 1; }
  LAST_PID=$pid
}

# A Get request for KEY, framed: prefix (uncompressed, length) + GetRequest{key = 2}.
get_body() {
  /usr/bin/python3 -c '
import sys
key = sys.argv[1].encode()
msg = b"\x12" + bytes([len(key)]) + key
sys.stdout.buffer.write(b"\x00" + len(msg).to_bytes(4, "big") + msg)' "$1" > "$2"
}

declare -A MB CPU
# measure LABEL PORT SERVER-PIDS...: store put and get rows for every size
measure_store() {
  local label=$1 port=$2; shift 2
  local size t0 t1 line ok secs total
  if [ "$WARM" -gt 0 ]; then # unmeasured: 4 KiB puts, then gets of one of them
    ./kvstore java io.kvcache.bench.PutLoad --port "$port" --clients "$CLIENTS" --size 4096 --seconds "$WARM" \
      --prefix "warm-" >/dev/null
    ./kvstore java io.kvcache.bench.PutLoad --port "$port" --clients 1 --size 4096 --count 1 --prefix "warm-get-" >/dev/null
    get_body "warm-get-0-0" "$OUT/get-warm.bin"
    h2load -c "$CLIENTS" -m 1 -D "$WARM" -d "$OUT/get-warm.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$port/kvstore.v1.KvStore/Get" >/dev/null 2>&1
  fi
  for size in "${SIZE_LIST[@]}"; do
    t0=$(ticks "$@")
    line=$(./kvstore java io.kvcache.bench.PutLoad --port "$port" --clients "$CLIENTS" --size "$size" --seconds "$SECS" | grep '^RESULT')
    t1=$(ticks "$@")
    ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<< "$line"); secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<< "$line")
    total=$(sed -n 's/.* ok_total=\([0-9]*\).*/\1/p' <<< "$line") # the server's CPU also served the warm-up's puts
    MB[$label,put,$size]=$(mbps $(( ok * size )) "$secs"); CPU[$label,put,$size]=$(cpu_per_gb $(( t1 - t0 )) $(( total * size )))
    echo "$label put $size: $line" >&2
    ./kvstore java io.kvcache.bench.PutLoad --port "$port" --clients 1 --size "$size" --count 1 --prefix "hot-$size-" >/dev/null
    get_body "hot-$size-0-0" "$OUT/get-$size.bin"
    t0=$(ticks "$@")
    h2load -c "$CLIENTS" -m 1 -D "$SECS" --warm-up-time=1 -d "$OUT/get-$size.bin" -H 'content-type: application/grpc' \
      -H 'te: trailers' "http://127.0.0.1:$port/kvstore.v1.KvStore/Get" > "$OUT/h2load-$label-$size.txt" 2>&1
    t1=$(ticks "$@")
    # h2load counts HTTP 200 as success; every reply must also carry the value: check the bytes it received.
    ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$OUT/h2load-$label-$size.txt")
    local data; data=$(sed -n 's/^traffic: .* (\([0-9]*\)) data.*/\1/p' "$OUT/h2load-$label-$size.txt")
    if [ -z "$ok" ] || [ "$ok" -eq 0 ] || [ "$data" -lt $(( ok * size )) ]; then
      echo "h2load get $size: replies did not carry the value:"; cat "$OUT/h2load-$label-$size.txt"; exit 1
    fi
    MB[$label,get,$size]=$(mbps $(( ok * size )) "$SECS"); CPU[$label,get,$size]=$(cpu_per_gb $(( t1 - t0 )) $(( ok * size )))
    # h2load's -D window: the ticks also include its 1 s warm-up, so CPU per GB is charged for bytes of SECS only
    # (conservative against the store).
  done
}

measure_redis() {
  local pid size t0 t1 rps requests keys
  pid=$(redis-cli -p "$REDIS_PORT" info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
  for size in "${SIZE_LIST[@]}"; do
    keys=$(( 800000000 / size )); [ "$keys" -gt 100000 ] && keys=100000
    requests=$(( SECS * 1500000000 / size )); [ "$requests" -lt 20000 ] && requests=20000
    for op in set get; do
      [ "$op" = get ] && head -c "$size" /dev/zero | tr "\0" x | redis-cli -p "$REDIS_PORT" -x set hot >/dev/null
      t0=$(ticks "$pid")
      local start end
      start=$(date +%s.%N)
      if [ "$op" = set ]; then
        rps=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -d "$size" -r "$keys" -n "$requests" -t set --csv 2>/dev/null | sed -n 's/^"SET","\([0-9.]*\)".*/\1/p')
      else # one key, as h2load reads one key of the store
        rps=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CLIENTS" -n "$requests" --csv get hot 2>/dev/null | sed -n 's/^"get hot","\([0-9.]*\)".*/\1/p')
      fi
      end=$(date +%s.%N)
      t1=$(ticks "$pid")
      local key=$([ "$op" = set ] && echo put || echo get)
      MB[redis,$key,$size]=$(awk -v r="$rps" -v s="$size" 'BEGIN { printf "%.1f", r * s / 1e6 }')
      CPU[redis,$key,$size]=$(cpu_per_gb $(( t1 - t0 )) $(( requests * size )))
    done
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
  done
}

IFS=, read -ra SIZE_LIST <<< "$SIZES"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes \
  --logfile "$PWD/$OUT/redis.log" --maxmemory 0 >/dev/null
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
measure_redis

start_node one "$(cat conf/kvstore.json)"
measure_store one 50051 "$LAST_PID"
kill "$LAST_PID"; wait "$LAST_PID" 2>/dev/null || true; PIDS=()

if [ "$TWO_NODE" = 1 ]; then
  # A: master + gateway, no segment (every replica lands on B); B: storage only.
  start_node nodeA '{"node_name":"a","roles":["master","gateway"],"grpc_host":"127.0.0.1","grpc_port":50051,
    "grpc_uds_path":"","metrics_host":"127.0.0.1","metrics_port":9400,"segment_size":"0B","cluster_name":"kvbench2",
    "cluster_host":"127.0.0.1","cluster_port":5711,"cluster_members":["127.0.0.1:5711","127.0.0.1:5712"]}'
  A=$LAST_PID
  start_node nodeB '{"node_name":"b","roles":["storage"],"grpc_host":"127.0.0.1","grpc_port":50052,
    "grpc_uds_path":"","metrics_host":"127.0.0.1","metrics_port":9401,"segment_size":"1GiB","cluster_name":"kvbench2",
    "cluster_host":"127.0.0.1","cluster_port":5712,"cluster_members":["127.0.0.1:5711","127.0.0.1:5712"]}'
  B=$LAST_PID
  # B's segment mounts with the master just after B is ready: wait until A's allocator sees it.
  for _ in $(seq 1 200); do
    curl -s http://127.0.0.1:9400/metrics | grep -q '^kvstore_alloc_segments [1-9]' && break; sleep 0.1
  done
  measure_store two 50051 "$A" "$B"
fi

printf '\n| value size | op | store MB/s | Redis MB/s | store / Redis | store CPU s/GB | Redis CPU s/GB | CPU store / Redis |'
[ "$TWO_NODE" = 1 ] && printf ' two-node MB/s | two-node / one-node | two-node CPU s/GB |'
printf '\n|---:|---|---:|---:|---:|---:|---:|---:|'; [ "$TWO_NODE" = 1 ] && printf -- '---:|---:|---:|'; echo
for size in "${SIZE_LIST[@]}"; do
  for op in put get; do
    s=${MB[one,$op,$size]:-0}; r=${MB[redis,$op,$size]:-0}; sc=${CPU[one,$op,$size]:-n/a}; rc=${CPU[redis,$op,$size]:-n/a}
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |' "$(numfmt --to=iec "$size")" "$op" "$s" "$r" "$(ratio "$s" "$r")" \
      "$sc" "$rc" "$(ratio "$sc" "$rc")"
    if [ "$TWO_NODE" = 1 ]; then
      t=${MB[two,$op,$size]:-0}
      printf ' %s | %s | %s |' "$t" "$(ratio "$t" "$s")" "${CPU[two,$op,$size]:-n/a}"
    fi
    echo
  done
done
