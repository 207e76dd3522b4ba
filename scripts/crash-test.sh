#!/usr/bin/env bash
# Crash test of the write-ahead undo journal: in each trial, make an image,
# record its SHA-256, start a multi-block `blkview patch` (1 MiB = 16 blocks
# of 64 KiB, each journaled and fsync'ed before it is written), kill -9 it at
# a random moment, then run `blkview undo` and check that the image's SHA-256
# is the original's again. Prints the count of successes.
#
#   scripts/crash-test.sh [TRIALS]        (default 200)
#
# BLKVIEW=path/to/blkview to choose the binary (default: release, else debug).
# Runs in a scratch directory under /var/tmp (a disk file system: O_DIRECT).
set -uo pipefail
trials=${1:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-}
if [ -z "$bin" ]; then
  for b in "$here/.build/release/blkview" "$here/.build/debug/blkview"; do [ -x "$b" ] && { bin=$b; break; }; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "build blkview first (swift build), or set BLKVIEW" >&2; exit 1; }
dir=$(mktemp -d /var/tmp/blkview-crash.XXXXXX)
trap 'rm -rf "$dir"' EXIT
img=$dir/disk.img
head -c $((1 << 20)) /dev/urandom > "$dir/patch.bin"

# How long the write phase of one patch takes here (from the journal's
# creation to the end): the kills are spread over it (x1.1), so that nearly
# every kill lands while blocks are being journaled and written.
wait_for() { for _ in $(seq 2000); do [ -e "$1" ] && return 0; sleep 0.001; done; return 1; }
head -c $((4 << 20)) /dev/urandom > "$img"
"$bin" patch "$img" --at 0x1234 --from "$dir/patch.bin" --sync data --journal "$dir/calib.bvundo" >/dev/null &
cpid=$!
wait_for "$dir/calib.bvundo" || { echo "calibration patch made no journal" >&2; exit 1; }
t0=$(date +%s%N)
wait "$cpid" || { echo "calibration patch failed" >&2; exit 1; }
span_us=$(( ($(date +%s%N) - t0) / 1000 * 11 / 10 + 1 ))
echo "the write phase of one patch takes ~$((span_us * 10 / 11 / 1000)) ms; killing at a random moment in it; $trials trials"

ok=0; killed_mid=0; failures=0
for i in $(seq 1 "$trials"); do
  head -c $((4 << 20)) /dev/urandom > "$img"
  want=$(sha256sum < "$img")
  j=$dir/t$i.bvundo
  sync=$(shuf -n1 -e none data full)
  "$bin" patch "$img" --at 0x1234 --from "$dir/patch.bin" --sync "$sync" --journal "$j" >/dev/null 2>&1 &
  pid=$!
  wait_for "$j"
  sleep "$(awk -v u=$((RANDOM * 32768 + RANDOM)) -v s="$span_us" 'BEGIN { printf "%.6f", (u % s) / 1e6 }')"
  kill -9 "$pid" 2>/dev/null && killed=1 || killed=0
  wait "$pid" 2>/dev/null
  changed=$([ "$(sha256sum < "$img")" != "$want" ] && echo 1 || echo 0)
  [ "$killed" = 1 ] && [ "$changed" = 1 ] && killed_mid=$((killed_mid + 1))
  if [ -e "$j" ]; then
    out=$("$bin" undo "$j" --target "$img" 2>&1); rc=$?
  else
    out="no journal: the patch was killed before creating it"; rc=0
  fi
  if [ $rc -eq 0 ] && [ "$(sha256sum < "$img")" = "$want" ]; then
    ok=$((ok + 1))
  else
    failures=$((failures + 1))
    echo "trial $i FAILED (sync $sync, killed=$killed, rc=$rc): $out" >&2
  fi
  rm -f "$j"
done
echo "crash test: $ok/$trials trials restored the original SHA-256 ($killed_mid killed with the image half-patched)"
[ "$failures" -eq 0 ]
