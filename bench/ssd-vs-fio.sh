#!/usr/bin/env bash
# Our SSD engine against fio on the same file, same block sizes, same queue depth, alternating in one run.
#   bench/ssd-vs-fio.sh [rowFilter]      e.g. bench/ssd-vs-fio.sh "rand read"
# Environment: SIZE_GIB (file size, default 4), REPS (pairs per row, 5), RUN (seconds per run, 3), RAMP (1), QD (32).
# Prints per-run lines on stderr and the table (medians; ratio = median of pairwise ours/fio) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_GIB=${SIZE_GIB:-4}; REPS=${REPS:-5}; RUN=${RUN:-3}; RAMP=${RAMP:-1}; QD=${QD:-32}
FILE=target/bench/ssd-vs-fio.dat
BYTES=$((SIZE_GIB * 1024 * 1024 * 1024))

if ! command -v fio >/dev/null; then
  echo "ssd-vs-fio: installing fio" >&2
  apt-get install -y fio >/dev/null
fi

mkdir -p target/bench
have=$(stat -c %s "$FILE" 2>/dev/null || echo 0)
if [ "$have" -ne "$BYTES" ]; then
  free_kib=$(df -k --output=avail target/bench | tail -1)
  need_kib=$(( (BYTES - have) / 1024 + 1024 * 1024 ))
  if [ "$free_kib" -lt "$need_kib" ]; then
    echo "ssd-vs-fio: need $((need_kib / 1024)) MiB free under target/bench, have $((free_kib / 1024)) MiB" >&2
    exit 1
  fi
  echo "ssd-vs-fio: laying out ${SIZE_GIB} GiB at $FILE" >&2
  rm -f "$FILE"
  fio --name=layout --filename="$FILE" --size="$BYTES" --rw=write --bs=1M --iodepth="$QD" --direct=1 \
    --ioengine=io_uring --output-format=terse >/dev/null
fi

echo "ssd-vs-fio: $(fio --version), kernel $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec ./kvstore java io.kvcache.bench.ssd.SsdVsFio "$FILE" "$BYTES" "$REPS" "$RUN" "$RAMP" "$QD" "${1:-}"
