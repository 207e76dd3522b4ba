#!/usr/bin/env bash
# Hashing an EWF (E01) set: blkview against ewfverify, the reference tool,
# on the same set, alternating runs, medians. Both decompress every chunk
# and compute MD5; blkview decodes on one libewf handle per core.
#   scripts/bench-ewf.sh [DIR] [ROUNDS]   (default /var/tmp, 3 rounds)
# The set: 1 GiB, half random and half zeros, `ewfacquire -c fast`.
# Goal: ewfverify / blkview >= 1.6x.
#
# Also measured, to show where the time goes:
# - MD5 alone: blkview hashing the same bytes as a raw file in the page
#   cache (no decoding). MD5 is one serial stream: no pass over the media
#   can take less than this, so ewfverify / (MD5 alone) bounds the ratio.
# - decode alone: `blkview bench --mode decode` reads the whole E01 through
#   the read path and discards the bytes (every core decodes).
# - the same with SHA-256 on top: `ewfverify -d sha256` (it always computes
#   MD5 as well) against `blkview hash --algorithms md5,sha256`.
# - a jump behind 31 queued readahead reads (`bench --mode priority`, 64 KiB
#   pages as the viewer reads them): the visible read's latency against one
#   read alone.
# Every measured command runs under scripts/lib/quiet (its own autogroup at
# nice -20 where allowed): on a shared host the neighbours' builds otherwise
# decide the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
dir=${1:-/var/tmp}
rounds=${2:-3}
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
q=$PWD/scripts/lib/quiet
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
for t in ewfacquire ewfverify python3; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
raw=$dir/blkview-bench-ewf.raw
set=$dir/blkview-bench-ewf
if [ ! -f "$raw" ]; then
  echo "making $raw (1 GiB: 512 MiB random, 512 MiB zeros)…" >&2
  { head -c $((512 << 20)) /dev/urandom; head -c $((512 << 20)) /dev/zero; } > "$raw"
  rm -f "$set".E0*
fi
if [ ! -f "$set.E01" ]; then
  echo "making $set.E01 from it (ewfacquire -c fast)…" >&2
  ewfacquire -u -q -t "$set" -c fast -S 640MiB "$raw" > /dev/null
fi
cat "$set".E0* "$raw" > /dev/null  # warm: every tool reads from the page cache
alternate "$rounds" \
  "blkview hash --algorithms md5|$q $bin hash --algorithms md5 '$set.E01'" \
  "ewfverify|$q ewfverify -q '$set.E01'" \
  "blkview hash --algorithms md5,sha256|$q $bin hash --algorithms md5,sha256 '$set.E01'" \
  "ewfverify -d sha256|$q ewfverify -q -d sha256 '$set.E01'" \
  "MD5 alone (raw, page cache)|$q $bin hash --algorithms md5 '$raw'"
b=${MEDIAN[blkview hash --algorithms md5]}
e=${MEDIAN[ewfverify]}
b2=${MEDIAN[blkview hash --algorithms md5,sha256]}
e2=${MEDIAN[ewfverify -d sha256]}
m=${MEDIAN[MD5 alone (raw, page cache)]}
decode=()
for r in $(seq 1 "$rounds"); do
  decode+=("$($q "$bin" bench "$set.E01" --mode decode --block-size 1MiB --slots 8 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mib_per_s"])')")
done
d=$(printf '%s\n' "${decode[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
prio=$($q "$bin" bench "$set.E01" --mode priority --block-size 64KiB --count 30 --json)
ratio() { echo "$1 / $2" | bc -l; }
printf '%-40s %7.2f s\n' "blkview hash --algorithms md5" "$b" "ewfverify (md5)" "$e" \
  "blkview hash --algorithms md5,sha256" "$b2" "ewfverify -d sha256 (md5+sha256)" "$e2" \
  "MD5 alone, same 1 GiB from the page cache" "$m"
printf '%-40s %7.0f MiB/s (%.2f s per GiB)\n' "decode alone (bench --mode decode)" "$d" "$(ratio 1024 "$d")"
printf 'ratio ewfverify/blkview, md5:         %.2fx (goal >= 1.6x; %d cores)\n' "$(ratio "$e" "$b")" "$(nproc)"
printf 'ratio ewfverify/blkview, md5+sha256:  %.2fx\n' "$(ratio "$e2" "$b2")"
printf 'bound with md5 (MD5 is one serial stream): ewfverify / MD5 alone = %.2fx\n' "$(ratio "$e" "$m")"
echo "jump behind 31 queued readahead reads (64 KiB): $prio"
