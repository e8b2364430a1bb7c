#!/usr/bin/env bash
# Master failover (issue 12), on this machine's loopback:
#  1. three nodes in their own JVMs (node-1, node-2: master + storage + gateway, one active and one hot standby;
#     node-3: storage + gateway), 8 clients of mixed load (1 put : 3 gets, 4 KiB values, 2 replicas) spread over the
#     three gateways; the active master is SIGKILLed --kills times (alternating, the killed node restarted as the new
#     standby in between): time from the kill to the first successful put and get through each surviving gateway
#     (median, max), objects lost among those acknowledged >= 1 s before the kill, wrong bytes.
#  2. what replication costs the metadata path: bench/metadata.sh's batches against node-1 alone, with a cold
#     standby (master_standby=false) and with the hot standby.
#
#   bench/failover.sh [--kills 5] [--clients 8] [--lease 2000] [--cost-seconds 10] [--cost-reps 2] [--skip-cost]
# Run it alone on the machine (it starts up to four JVMs): flock /tmp/mvn.lock bench/failover.sh
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=5; CLIENTS=8; LEASE=2000; COST_SECONDS=10; COST_REPS=2; COST=1
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --lease) LEASE=$2; shift 2 ;;
    --cost-seconds) COST_SECONDS=$2; shift 2 ;;
    --cost-reps) COST_REPS=$2; shift 2 ;;
    --skip-cost) COST=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT=bench/out; mkdir -p "$OUT"
echo "== failover: $KILLS kills of the active master, $CLIENTS clients, master_lease_ms=$LEASE"
./kvstore java io.kvcache.bench.FailoverBench --kills "$KILLS" --clients "$CLIENTS" --lease "$LEASE" \
  2> "$OUT/failover.err" | tee "$OUT/failover.out" | grep -E '^(KILL|RESULT)'
if [ "$COST" = 1 ]; then
  echo "== replication cost on the metadata path (medians of $COST_REPS alternated runs of ${COST_SECONDS} s)"
  ./kvstore java io.kvcache.bench.StandbyCost --reps "$COST_REPS" --seconds "$COST_SECONDS" --clients "$CLIENTS" \
    2> "$OUT/standby-cost.err" | tee "$OUT/standby-cost.out" | grep '^RESULT'
fi
