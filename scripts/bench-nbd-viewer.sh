#!/usr/bin/env bash
# The viewer under real latency: an nbdkit export with --filter=delay
# rdelay=${RDELAY:-20ms} on a unix socket, the release binary in tmux,
# figures from its own --stats file (ROUNDS alternating rounds, default 3,
# medians). The issue's goals:
#   1. key-to-frame p99 under 5 ms while pages load (1,000 cursor keys);
#   2. a jump shows its first full frame within 1.5x of one read's latency
#      (p50 over 100 far gotos; printed as the ratio to the delay);
#   3. PgDn held at 30 presses/s: placeholder frames after the first full frame.
# Usage: scripts/bench-nbd-viewer.sh [DIR]   (default /var/tmp)
set -euo pipefail
dir=${1:-/var/tmp}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-$here/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
command -v nbdkit > /dev/null || { echo "nbdkit is not installed (scripts/setup.sh)" >&2; exit 1; }
img=$dir/blkview-viewer-bench-1g.img
size=$((1 << 30))
[ -f "$img" ] && [ "$(stat -c %s "$img")" -eq $size ] || head -c $size /dev/urandom > "$img"
delay=${RDELAY:-20ms}
work=$(mktemp -d)
s=blkview-nbdv-$$
trap 'tmux kill-session -t $s 2>/dev/null || true; kill $(cat "$work/pid") 2>/dev/null || true; rm -rf "$work"' EXIT
nbdkit -U "$work/sock" -P "$work/pid" --filter=delay file "$img" rdelay="$delay"
uri="nbd+unix:///?socket=$work/sock"

run() {
  stats=$(mktemp)
  tmux new-session -d -s $s -x 120 -y 40 "LANG=C.UTF-8 $bin '$uri' $* --stats $stats"
  for _ in $(seq 400); do tmux capture-pane -p -t $s | grep -q 'read-only' && break; sleep 0.05; done
}
finish() {
  tmux send-keys -t $s q
  for _ in $(seq 1200); do [ -s "$stats" ] && break; sleep 0.05; done
  tmux kill-session -t $s 2>/dev/null || true
  cat "$stats"; rm -f "$stats"; echo
}
field() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
keys() { for _ in $(seq 250); do tmux send-keys -t $s j l k h; done; sleep 0.5; }
jumps() {
  python3 -c "
import random; r = random.Random(7)
for _ in range(100): print(hex(r.randrange(0, $size // 4096) * 4096))" | while read -r off; do
    tmux send-keys -t $s : "$off" Enter
    sleep 0.15
  done
}
pgdn() { for _ in $(seq 150); do tmux send-keys -t $s PageDown; sleep 0.033; done; sleep 0.5; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

rounds=${ROUNDS:-3}
k=(); j=(); p=(); st=()
for r in $(seq "$rounds"); do
  run; sleep 0.5; keys; finish > "$work/k.json"; k+=("$(field "$work/k.json" "d['key_to_frame_us']['p99']")")
  run; sleep 0.5; jumps; finish > "$work/j.json"; j+=("$(field "$work/j.json" "d['key_to_full_frame_us']['p50']")")
  run; sleep 0.5; pgdn; finish > "$work/p.json"
  p+=("$(field "$work/p.json" "d['placeholder_frames']")"); st+=("$(field "$work/p.json" "d['longest_placeholder_ms']")")
  echo "  round $r: key-to-frame p99 ${k[-1]} us; jump to full frame p50 ${j[-1]} us; PgDn: ${p[-1]} placeholder frames (longest ${st[-1]} ms)"
done
d_us=$(python3 -c "s='$delay'; print(float(s[:-2]) * 1000 if s.endswith('ms') else float(s[:-1]) * 1e6)")
a=$(median "${k[@]}"); b=$(median "${j[@]}"); c=$(median "${p[@]}")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; rdelay=$delay; $rounds rounds, medians"
printf 'key-to-frame p99 %.0f us (goal < 5000 us)\n' "$a"
printf 'jump to first full frame p50 %.0f us = %.2fx one read (goal <= 1.5x)\n' "$b" "$(echo "$b / $d_us" | bc -l)"
printf 'PgDn at 30/s: %s placeholder frames, counting those before the first full frame (goal: none after it)\n' "$c"
