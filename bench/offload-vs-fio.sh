#!/usr/bin/env bash
# The offload pipeline against fio on the same file system, alternating in one run (issue 6):
#   - offload DRAM -> SSD of 1 MiB objects vs fio sequential write (1 MiB blocks, QD 32, O_DIRECT)
#   - gets served from SSD (BatchGet of 32 keys, STREAMS=2 in flight) for 64 KiB and 1 MiB objects vs fio random read
#     of that size at QD 32; and the SSD engine's batch load alone (32 keys into the load buffers), same comparison
# Prints each pair on stderr and a table of medians (ratio = median of the pairwise ratios ours/fio).
#   bench/offload-vs-fio.sh            REPS=3 (pairs per row), SECS=5, OFFLOAD_MIB=1024 (bytes offloaded per run)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}; SECS=${SECS:-5}; OFFLOAD_MIB=${OFFLOAD_MIB:-1024}
command -v fio >/dev/null || { echo "installing fio" >&2; apt-get install -y -q fio >/dev/null; }
DIR=target/bench/offload; mkdir -p "$DIR"
./kvstore java io.kvcache.app.PrintConfigTable >/dev/null 2>&1 # builds if needed

fio_mbps() { # fio args... -> MB/s (10^6) of the job
  fio --output-format=json "$@" 2>/dev/null | python3 -c '
import json,sys
j=json.load(sys.stdin)["jobs"][0]
print("%.1f" % ((j["read"]["bw_bytes"] + j["write"]["bw_bytes"]) / 1e6))'
}
ours() { # OffloadBench args... -> "offload_mbps engine_load_mbps get_mbps"
  local out; out=$(./kvstore java io.kvcache.bench.OffloadBench --dir "$DIR/ssd-$RANDOM$RANDOM" "$@" 2>/dev/null)
  local pick='s/^RESULT phase=PHASE.* mbps=\([0-9.]*\).*/\1/p'
  echo "$(sed -n "${pick/PHASE/offload}" <<< "$out") $(sed -n "${pick/PHASE/engine_load}" <<< "$out") $(sed -n "${pick/PHASE/ssd_get}" <<< "$out")"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A SAMPLES
for rep in $(seq 1 "$REPS"); do
  for size in 1048576 65536; do
    objects=$(( OFFLOAD_MIB * 1048576 / size )); [ "$size" -lt 1048576 ] && objects=$(( objects < 8192 ? objects : 8192 ))
    rm -rf "$DIR"/ssd-*
    read -r off eng get <<< "$(ours --size "$size" --objects "$objects" --seconds "$SECS" --streams "${STREAMS:-2}")"
    fw=$(fio_mbps --name=w --filename="$DIR/fio.dat" --size=$((objects * size)) --rw=write --bs=1M --iodepth=32 \
      --direct=1 --ioengine=io_uring)
    fr=$(fio_mbps --name=r --filename="$DIR/fio.dat" --size=$((objects * size)) --rw=randread --bs="$size" --iodepth=32 \
      --direct=1 --ioengine=io_uring --time_based --runtime="$SECS")
    rm -f "$DIR/fio.dat"
    echo "rep $rep size $size: offload $off MB/s vs fio write $fw; engine load $eng, ssd get $get MB/s vs fio randread $fr" >&2
    [ "$size" -eq 1048576 ] && SAMPLES[offload]+="$off $fw,"
    SAMPLES[engine$size]+="$eng $fr,"
    SAMPLES[get$size]+="$get $fr,"
  done
done

printf '\n| row | ours MB/s | fio MB/s | ours / fio |\n|---|---:|---:|---:|\n'
for row in offload engine65536 get65536 engine1048576 get1048576; do
  IFS=, read -ra pairs <<< "${SAMPLES[$row]%,}"
  o=$(for p in "${pairs[@]}"; do echo "${p% *}"; done | median)
  f=$(for p in "${pairs[@]}"; do echo "${p#* }"; done | median)
  r=$(for p in "${pairs[@]}"; do awk -v a="${p% *}" -v b="${p#* }" 'BEGIN {printf "%.3f\n", a/b}'; done | median)
  case $row in
    offload) label="offload DRAM->SSD, 1 MiB objects vs fio seq write 1M QD32" ;;
    engine65536) label="SSD batch load into load buffers (engine alone), 64 KiB x 32 vs fio randread 64K QD32" ;;
    get65536) label="get from SSD end to end, 64 KiB (BatchGet 32, ${STREAMS:-2} in flight) vs fio randread 64K QD32" ;;
    engine1048576) label="SSD batch load into load buffers (engine alone), 1 MiB x 32 vs fio randread 1M QD32" ;;
    get1048576) label="get from SSD end to end, 1 MiB (BatchGet 32, ${STREAMS:-2} in flight) vs fio randread 1M QD32" ;;
  esac
  printf '| %s | %s | %s | %.2f |\n' "$label" "$o" "$f" "$r"
done
