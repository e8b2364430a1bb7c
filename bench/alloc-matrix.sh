#!/usr/bin/env bash
# Allocation benchmarks (bench/ALLOCATION.md): the OffsetAllocator (reference allocator_bench), the three strategies
# (reference allocation_strategy_bench: fillup, scaleout, size_class_churn, dsa), a multi-seed churn sweep and the causes
# of partial placements.
#
#   bench/alloc-matrix.sh                 quick matrix (a few minutes on 2 cores)
#   bench/alloc-matrix.sh --full          the reference's whole matrix (long: the DSA cases alone write 4x 16 TiB)
#   bench/alloc-matrix.sh [--full] -- ARGS  ARGS go to every benchmark main, e.g. -- --seed 7
#
# Tables are Markdown, printed to stdout and kept in bench/out/alloc-<time>.md; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

full=""
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full="--full"; shift ;;
    --) shift; break ;;
    *) echo "usage: bench/alloc-matrix.sh [--full] [-- benchmark args]" >&2; exit 2 ;;
  esac
done

# 1024-segment clusters keep ~2.3 GiB of allocator node arrays live (65,536 nodes x 32 B per 1 GiB segment, the
# reference's initial node budget), 3.5 GiB once scale-out adds 512 more. A 2 MiB array is "humongous" for G1 with its
# default 2 MiB regions and takes two of them, so the regions are raised to 32 MiB.
export KV_JAVA_OPTS="${KV_JAVA_OPTS:--Xmx8g -XX:G1HeapRegionSize=32m}"
mkdir -p bench/out
out="bench/out/alloc-$(date +%Y%m%d-%H%M%S).md"

run() {
  echo "## $*" | tee -a "$out"
  # ./kvstore may rebuild first; Maven's colour codes would land in the tables
  ./kvstore java "$@" | sed 's/\x1b\[[0-9;]*m//g' | tee -a "$out"
}

if [ -n "$full" ]; then quick=""; seeds=20; else quick="--quick"; seeds=10; fi
run io.kvcache.bench.alloc.AllocatorBench $quick "$@"
run io.kvcache.bench.alloc.StrategyBench $full "$@"
run io.kvcache.bench.alloc.ChurnSeedSweep --seeds $seeds "$@"
run io.kvcache.bench.alloc.PartialCauses --pattern dsa_pair --seeds $seeds "$@"
run io.kvcache.bench.alloc.PartialCauses --pattern kv_mixed --seeds $seeds "$@"
echo "tables saved in $out" >&2
