#!/usr/bin/env bash
# Master metadata benchmarks (issue 4):
#  1. keys/s through gRPC in batches (BatchPut of 4 KiB values, BatchExists, BatchGet), against a node on the default
#     config; compare BatchPut with Redis's single-key SET rate (bench/store-vs-redis.sh prints it).
#  2. heap bytes per resident object with --objects objects (default 10 M; needs ~8 GiB of heap).
#
#   bench/metadata.sh [--objects 10000000] [--seconds 10] [--batch 128] [--clients 8]
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS=10000000; SECS=10; BATCH=128; CLIENTS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) OBJECTS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT=bench/out; mkdir -p "$OUT"
./kvstore start conf/kvstore.json > "$OUT/store.log" 2>&1 &
STORE_PID=$!
trap 'kill $STORE_PID 2>/dev/null; wait $STORE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "ready;" "$OUT/store.log" && break; sleep 0.2; done
grep -q "ready;" "$OUT/store.log" || { cat "$OUT/store.log"; exit 1; }
echo "== gRPC batches of $BATCH keys, $CLIENTS clients"
./kvstore java io.kvcache.bench.MetadataLoad --clients "$CLIENTS" --batch "$BATCH" --seconds "$SECS" --keys 200000 | grep '^RESULT'
kill $STORE_PID; wait $STORE_PID 2>/dev/null || true
trap - EXIT
echo "== heap per resident object"
KV_JAVA_OPTS="-Xmx8g" ./kvstore java io.kvcache.bench.MetadataMemory --objects "$OBJECTS" | grep '^RESULT'
