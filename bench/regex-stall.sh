#!/usr/bin/env bash
# Issue 11: Get latency while a worst-case RemoveByRegex runs (target: a Get answers within 50 ms), against a node on
# the default config (regex_removal_budget_ms 10 s), on loopback. Prints RESULT lines (see RegexStall).
#
#   flock /tmp/mvn.lock bench/regex-stall.sh [--keys 2000] [--key-bytes 4000] [--baseline-seconds 5]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out; mkdir -p "$OUT"
./kvstore start conf/kvstore.json > "$OUT/regex-stall-store.log" 2>&1 &
STORE_PID=$!
trap 'kill $STORE_PID 2>/dev/null; wait $STORE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "ready;" "$OUT/regex-stall-store.log" && break; sleep 0.2; done
grep -q "ready;" "$OUT/regex-stall-store.log" || { cat "$OUT/regex-stall-store.log"; exit 1; }
./kvstore java io.kvcache.bench.RegexStall "$@" | grep '^RESULT'
