#!/usr/bin/env bash
# Hashing an EWF (E01) set: blkview against ewfverify, the reference tool,
# on the same set, alternating runs, medians. Both decompress every chunk
# and compute MD5; blkview decodes on one libewf handle per core.
#   scripts/bench-ewf.sh [DIR] [ROUNDS]   (default /var/tmp, 3 rounds)
# The set: 1 GiB, half random and half zeros, `ewfacquire -c fast`.
# Goal: ewfverify / blkview >= 1.6x.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
dir=${1:-/var/tmp}
rounds=${2:-3}
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --product blkview" >&2; exit 1; }
for t in ewfacquire ewfverify; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
raw=$dir/blkview-bench-ewf.raw
set=$dir/blkview-bench-ewf
if [ ! -f "$set.E01" ]; then
  echo "making $set.E01 (1 GiB: 512 MiB random, 512 MiB zeros)…" >&2
  { head -c $((512 << 20)) /dev/urandom; head -c $((512 << 20)) /dev/zero; } > "$raw"
  ewfacquire -u -q -t "$set" -c fast -S 640MiB "$raw" > /dev/null
  rm -f "$raw"
fi
cat "$set".E0* > /dev/null  # warm: both read the segments from the page cache
alternate "$rounds" \
  "blkview hash --algorithms md5|$bin hash --algorithms md5 '$set.E01'" \
  "ewfverify -d md5|ewfverify -q '$set.E01'"
b=${MEDIAN[blkview hash --algorithms md5]}
e=${MEDIAN[ewfverify -d md5]}
printf '%-34s %7.2f s\n%-34s %7.2f s\n' "blkview hash --algorithms md5" "$b" "ewfverify" "$e"
printf 'ratio ewfverify/blkview: %.2fx (goal >= 1.6x; %d cores)\n' "$(echo "$e / $b" | bc -l)" "$(nproc)"
