#!/usr/bin/env bash
# Issue 11: the protocol fuzzer's long run (FuzzBench: every method on TCP and the Unix socket, connection-level
# attacks, all of ProtocolFuzzTest's checks after; 10 minutes by default) and the cost of streams that declare a 64 MiB
# message and send only its prefix (PrefixStreams: 10,000 streams over 100 connections; heap after GC before, while
# open and after closing). Each runs a node in its own JVM (-Xmx2g, as the test suite). Prints RESULT lines; the full
# fuzz report goes to bench/out/fuzz-report.txt. Exits non-zero if the fuzz run found anything.
#
#   flock /tmp/mvn.lock bench/fuzz.sh [--minutes 10] [--seed N]    (PREFIX_STREAMS=0 skips the heap measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out; mkdir -p "$OUT"
export KV_JAVA_OPTS="${KV_JAVA_OPTS:-} -Xmx2g"
if [ "${PREFIX_STREAMS:-1}" != 0 ]; then
  ./kvstore java io.kvcache.bench.PrefixStreams --streams 10000 --connections 100 --extra 0,1 > "$OUT/prefix-streams.txt" 2>&1 \
    || { cat "$OUT/prefix-streams.txt"; exit 1; }
  grep '^RESULT' "$OUT/prefix-streams.txt"
fi
status=0
./kvstore java io.kvcache.bench.FuzzBench "$@" > "$OUT/fuzz-report.txt" 2>&1 || status=$?
grep '^RESULT' "$OUT/fuzz-report.txt" || { tail -50 "$OUT/fuzz-report.txt"; }
exit $status
