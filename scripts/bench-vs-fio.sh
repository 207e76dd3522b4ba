#!/usr/bin/env bash
# blkview bench against fio on the same file, same block size and queue depth,
# measured alternately in one run. Prints each pair and the ratio blkview/fio.
#
#   scripts/bench-vs-fio.sh [FILE] [ROUNDS] [SECONDS]
#
# FILE defaults to /var/tmp/blkview-bench-1g (made with 1 GiB of random data if
# missing; it must sit on a disk file system: tmpfs ignores O_DIRECT).
# The grid: random 4 KiB reads at depths 1, 4, 32 and 64; sequential 128 KiB
# at 4 and 32; sequential 1 MiB at 1 and 8; and 4 KiB O_DSYNC random writes at
# depth 1 (on a scratch file). Every point: ROUNDS alternating runs of each
# tool, the median ratio printed. BLKVIEW_BENCH_CASES=regex picks points.
set -euo pipefail
file=${1:-/var/tmp/blkview-bench-1g}
rounds=${2:-3}
secs=${3:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-$here/.build/release/blkview}
# Both tools run in an autogroup of their own at nice -20 where allowed (see
# scripts/lib/quiet): on a shared host the neighbours otherwise decide.
q=$here/scripts/lib/quiet
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)" >&2; exit 1; }
[ -x "$bin" ] || (cd "$here" && swift build -c release --static-swift-stdlib >&2)
if [ ! -f "$file" ]; then
    echo "making $file (1 GiB of random data)" >&2
    dd if=/dev/urandom of="$file" bs=1M count=1024 status=none
fi
wfile="$file.write"
[ -f "$wfile" ] || dd if=/dev/zero of="$wfile" bs=1M count=256 status=none

# name | blkview args | fio args | metric
cases=()
for qd in 1 4 32 64; do
  cases+=("rand-4KiB-qd$qd|--mode rand --block-size 4KiB --slots $qd|--rw=randread --bs=4k --iodepth=$qd|mib_per_s|$file")
done
for qd in 4 32; do
  cases+=("seq-128KiB-qd$qd|--mode seq --block-size 128KiB --slots $qd|--rw=read --bs=128k --iodepth=$qd|mib_per_s|$file")
done
for qd in 1 8; do
  cases+=("seq-1MiB-qd$qd|--mode seq --block-size 1MiB --slots $qd|--rw=read --bs=1m --iodepth=$qd|mib_per_s|$file")
done
cases+=("dsync-write-4KiB-qd1|--mode rand --block-size 4KiB --slots 1 --write --sync data|--rw=randwrite --bs=4k --iodepth=1 --sync=dsync|p50_us|$wfile")
summary=()

py_blk='import json,sys; d=json.load(sys.stdin); m=sys.argv[1]; print(d["latency_us"]["p50"] if m=="p50_us" else d[m])'
py_fio='import json,sys; d=json.load(sys.stdin)["jobs"][0]; m=sys.argv[1]; j=d["write"] if d["write"]["io_bytes"]>0 else d["read"]
print(j["lat_ns"]["percentile"]["50.000000"]/1000 if m=="p50_us" else j["bw_bytes"]/1048576)'

printf "%-22s %5s %12s %12s %8s\n" case round blkview fio ratio
for c in "${cases[@]}"; do
  IFS='|' read -r name bargs fargs metric target <<<"$c"
  [[ "$name" =~ ${BLKVIEW_BENCH_CASES:-.} ]] || continue
  ratios=()
  for r in $(seq 1 "$rounds"); do
    b=$("$q" "$bin" bench "$target" $bargs --duration "$secs" --json | python3 -c "$py_blk" "$metric")
    # --lat_percentiles: fio's total latency (submission + completion), what
    # blkview measures too (fio's default percentiles are clat only).
    # --thread: fio's job runs as a thread of the fio process; a forked job
    # calls setsid and would leave the autogroup that quiet reniced.
    f=$("$q" fio --thread --name=bench --filename="$target" --ioengine=libaio --direct=1 $fargs --lat_percentiles=1 \
          --runtime="$secs" --time_based --output-format=json 2>/dev/null | python3 -c "$py_fio" "$metric")
    # Throughput: higher is better (blkview/fio). Latency: lower is better (fio/blkview).
    ratio=$(python3 -c "b,f=float('$b'),float('$f'); print(f'{(f/b if \"$metric\"==\"p50_us\" else b/f):.3f}')")
    ratios+=("$ratio")
    printf "%-22s %5s %12.1f %12.1f %8s\n" "$name" "$r" "$b" "$f" "${ratio}x"
  done
  med=$(printf "%s\n" "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  unit=$([ "$metric" = p50_us ] && echo "p50 µs (ratio fio/blkview)" || echo "MiB/s")
  printf "%-22s median ratio %sx  [%s]\n" "$name" "$med" "$unit"
  summary+=("$(printf "%-22s %sx" "$name" "$med")")
done
echo
echo "median ratios (blkview/fio; >= 0.95 is the goal at every point):"
printf "  %s\n" "${summary[@]}"
