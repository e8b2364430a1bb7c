#!/usr/bin/env bash
# The offload pipeline against fio on the same file system, alternating in one run (issue 6):
#   - offload DRAM -> SSD of 1 MiB objects vs fio sequential write (1 MiB blocks, QD 32, O_DIRECT)
#   - gets served from SSD (BatchGet of 32 keys, STREAMS=2 in flight) for 64 KiB and 1 MiB objects vs fio random read
#     of that size at QD 32; and the SSD engine's batch load alone (32 keys into the load buffers), same comparison.
#     The gets are driven twice: by h2load (one connection per stream, a fixed BatchGet each; the node's CPU s/GB from
#     /proc) and by the in-process Java client (which spends more CPU per byte than the node it measures); then by
#     h2load again through a gateway-only node in the same JVM (issue 13: the bytes cross the node-to-node connection)
# Prints each pair on stderr and a table of medians (ratio = median of the pairwise ratios ours/fio).
#   bench/offload-vs-fio.sh            REPS=3 (pairs per row), SECS=5, WARM=5 (s of unmeasured h2load gets first),
#                                      OFFLOAD_MIB=1024 (bytes offloaded per run)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}; SECS=${SECS:-5}; WARM=${WARM:-5}; OFFLOAD_MIB=${OFFLOAD_MIB:-1024}
command -v fio >/dev/null || { echo "installing fio" >&2; apt-get install -y -q fio >/dev/null; }
command -v h2load >/dev/null || { echo "installing nghttp2-client" >&2; apt-get install -y -q nghttp2-client >/dev/null; }
DIR=target/bench/offload; mkdir -p "$DIR"
./kvstore java io.kvcache.app.PrintConfigTable >/dev/null 2>&1 # builds if needed

fio_mbps() { # fio args... -> MB/s (10^6) of the job
  fio --output-format=json "$@" 2>/dev/null | python3 -c '
import json,sys
j=json.load(sys.stdin)["jobs"][0]
print("%.1f" % ((j["read"]["bw_bytes"] + j["write"]["bw_bytes"]) / 1e6))'
}
h2load_gets() { # PORT BODIES-DIR SECONDS: one h2load connection per body, all at once; each output in <body>.h2load
  local pids=() body
  for body in "$2"/get-*.bin; do
    h2load -c 1 -m 1 -D "$3" -d "$body" -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$1/kvstore.v1.KvStore/BatchGet" > "$body.h2load" 2>&1 & pids+=($!)
  done
  wait "${pids[@]}"
}
# h2load_phase PID PORT BODIES-DIR -> "MB/s CPU-s/GB": unmeasured warm-up, then the timed gets, the JVM's CPU from /proc
h2load_phase() {
  local t0 t1 bytes=0 body data
  # Warm-up first (unmeasured): on a fresh JVM the JIT compiler takes a third of the CPU for the first seconds.
  h2load_gets "$2" "$3" "$WARM"
  t0=$(awk '{print $14+$15}' /proc/$1/stat)
  h2load_gets "$2" "$3" "$SECS"
  t1=$(awk '{print $14+$15}' /proc/$1/stat)
  for body in "$3"/get-*.bin; do
    data=$(sed -n 's/^traffic: .*(\([0-9]*\)) data.*/\1/p' "$body.h2load")
    bytes=$(( bytes + ${data:-0} ))
  done
  awk -v b=$bytes -v s="$SECS" -v t=$((t1 - t0)) 'BEGIN {printf "%.1f %.2f", b / s / 1e6, (t / 100) / (b / 1e9)}'
}
# wait_port LOG PHASE PID -> the port OffloadBench printed for PHASE ("" if it exited first)
wait_port() {
  local port=""
  for _ in $(seq 1 3000); do
    port=$(sed -n "s/^RESULT phase=$2 port=\([0-9]*\).*/\1/p" "$1"); [ -n "$port" ] && break
    kill -0 "$3" 2>/dev/null || break; sleep 0.2
  done
  echo "$port"
}
ours() { # OffloadBench args... -> "offload engine_load get h2load_get h2load_cpu remote_h2load_get remote_h2load_cpu"
  # The in-process Java client decodes every value into the heap and costs more CPU per byte than the node; the
  # end-to-end SSD get is also measured with h2load (one connection per stream, each repeating its own BatchGet of 32
  # random keys, served from the SSD since no DRAM replica is left), and the node's CPU read from /proc. Then the same
  # through a gateway-only node started in the same JVM: the bytes cross the node-to-node data connection (the CPU
  # figure is then both nodes').
  local bodies="$DIR/bodies-$RANDOM$RANDOM" log="$DIR/bench-$RANDOM$RANDOM.out"
  ./kvstore java io.kvcache.bench.OffloadBench --dir "$DIR/ssd-$RANDOM$RANDOM" --h2load-bodies "$bodies" \
    --via-gateway-node "$@" > "$log" 2>/dev/null &
  local pid=$! port h2="" remote=""
  port=$(wait_port "$log" serving $pid)
  if [ -n "$port" ]; then
    h2=$(h2load_phase $pid "$port" "$bodies")
    touch "$bodies/done"
    port=$(wait_port "$log" serving_remote $pid)
    if [ -n "$port" ]; then
      remote=$(h2load_phase $pid "$port" "$bodies/remote")
      touch "$bodies/remote/done"
    fi
  fi
  wait $pid || true
  local pick='s/^RESULT phase=PHASE.* mbps=\([0-9.]*\).*/\1/p'
  local off eng get
  off=$(sed -n "${pick/PHASE/offload}" "$log"); eng=$(sed -n "${pick/PHASE/engine_load}" "$log")
  get=$(sed -n "${pick/PHASE/ssd_get}" "$log")
  echo "${off:-0} ${eng:-0} ${get:-0} ${h2:-0 0} ${remote:-0 0}"
  rm -rf "$bodies" "$log"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A SAMPLES
for rep in $(seq 1 "$REPS"); do
  for size in 1048576 65536; do
    objects=$(( OFFLOAD_MIB * 1048576 / size )); [ "$size" -lt 1048576 ] && objects=$(( objects < 8192 ? objects : 8192 ))
    rm -rf "$DIR"/ssd-*
    read -r off eng get h2get h2cpu rget rcpu <<< "$(ours --size "$size" --objects "$objects" --seconds "$SECS" --streams "${STREAMS:-2}")"
    fw=$(fio_mbps --name=w --filename="$DIR/fio.dat" --size=$((objects * size)) --rw=write --bs=1M --iodepth=32 \
      --direct=1 --ioengine=io_uring)
    fr=$(fio_mbps --name=r --filename="$DIR/fio.dat" --size=$((objects * size)) --rw=randread --bs="$size" --iodepth=32 \
      --direct=1 --ioengine=io_uring --time_based --runtime="$SECS")
    rm -f "$DIR/fio.dat"
    echo "rep $rep size $size: offload $off MB/s vs fio write $fw; engine load $eng, ssd get $get MB/s (h2load: $h2get MB/s, node $h2cpu CPU s/GB; through another node: $rget MB/s, both nodes $rcpu CPU s/GB) vs fio randread $fr" >&2
    [ "$size" -eq 1048576 ] && SAMPLES[offload]+="$off $fw,"
    SAMPLES[engine$size]+="$eng $fr,"
    SAMPLES[get$size]+="$get $fr,"
    SAMPLES[h2get$size]+="$h2get $fr,"
    SAMPLES[remote$size]+="$rget $fr,"
  done
done

printf '\n| row | ours MB/s | fio MB/s | ours / fio |\n|---|---:|---:|---:|\n'
for row in offload engine65536 get65536 h2get65536 remote65536 engine1048576 get1048576 h2get1048576 remote1048576; do
  IFS=, read -ra pairs <<< "${SAMPLES[$row]%,}"
  o=$(for p in "${pairs[@]}"; do echo "${p% *}"; done | median)
  f=$(for p in "${pairs[@]}"; do echo "${p#* }"; done | median)
  r=$(for p in "${pairs[@]}"; do awk -v a="${p% *}" -v b="${p#* }" 'BEGIN {printf "%.3f\n", a/b}'; done | median)
  case $row in
    offload) label="offload DRAM->SSD, 1 MiB objects vs fio seq write 1M QD32" ;;
    engine65536) label="SSD batch load into load buffers (engine alone), 64 KiB x 32 vs fio randread 64K QD32" ;;
    get65536) label="get from SSD end to end, 64 KiB (BatchGet 32, ${STREAMS:-2} in flight) vs fio randread 64K QD32" ;;
    h2get65536) label="get from SSD end to end, 64 KiB, h2load BatchGet 32 (${STREAMS:-2} connections) vs fio randread 64K QD32" ;;
    remote65536) label="get from SSD through a gateway on another node (node-to-node data connection), 64 KiB, h2load BatchGet 32 vs fio randread 64K QD32" ;;
    remote1048576) label="get from SSD through a gateway on another node (node-to-node data connection), 1 MiB, h2load BatchGet 32 vs fio randread 1M QD32" ;;
    h2get1048576) label="get from SSD end to end, 1 MiB, h2load BatchGet 32 (${STREAMS:-2} connections) vs fio randread 1M QD32" ;;
    engine1048576) label="SSD batch load into load buffers (engine alone), 1 MiB x 32 vs fio randread 1M QD32" ;;
    get1048576) label="get from SSD end to end, 1 MiB (BatchGet 32, ${STREAMS:-2} in flight) vs fio randread 1M QD32" ;;
  esac
  printf '| %s | %s | %s | %.2f |\n' "$label" "$o" "$f" "$r"
done
