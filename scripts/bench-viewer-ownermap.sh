#!/usr/bin/env bash
# Key-to-frame p99 of the viewer while the Files panel's block → owner map
# builds in the background (libtsk worker, read path's background class),
# against the same viewer once the map is built (idle), in one run: ROUNDS
# alternating rounds (idle, building, idle, …; default 3), medians, the ratio
# (goal: building within 1.5x of idle). The real release binary in tmux,
# figures from its own --stats file; 1,000 cursor keys per run, the Files
# panel open in both (f, then Tab back to the hex view). KEYS=N sends 4N keys.
# The image: the ext4 with 100,000 files of scripts/bench-fs.sh (made there).
# Usage: scripts/bench-viewer-ownermap.sh [IMAGE]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-$here/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
img=${1:-/var/tmp/blkview-bench-fs-ext4-100k.img}
[ -f "$img" ] || { echo "no $img: scripts/bench-fs.sh makes it" >&2; exit 1; }
cat "$img" > /dev/null  # warm, as in bench-fs.sh
s=blkview-bench-om-$$
trap 'tmux kill-session -t $s 2>/dev/null || true' EXIT
screen() { tmux capture-pane -p -t $s; }
waitfor() {  # waitfor SECONDS GREP-ARGS...: until the screen matches
  local n=$(( $1 * 20 )); shift
  for _ in $(seq $n); do screen | grep -q "$@" && return 0; sleep 0.05; done
  echo "timed out waiting for $*" >&2; screen >&2; return 1
}
waitgone() {  # waitgone SECONDS TEXT: until the screen no longer shows TEXT
  local n=$(( $1 * 20 ))
  for _ in $(seq $n); do screen | grep -q "$2" || return 0; sleep 0.05; done
  echo "timed out waiting for '$2' to go" >&2; return 1
}
run() {
  stats=$(mktemp)
  tmux new-session -d -s $s -x 160 -y 50 "LANG=C.UTF-8 $bin '$img' --stats $stats"
  waitfor 20 'read-only'
  sleep 0.3
  tmux send-keys -t $s f
  waitfor 30 'Files disk ext4'
}
finish() {
  tmux send-keys -t $s q
  for _ in $(seq 1200); do [ -s "$stats" ] && break; sleep 0.05; done
  tmux kill-session -t $s 2>/dev/null || true
  cat "$stats"; echo
}
keys() { for _ in $(seq "$KEYS"); do tmux send-keys -t $s j l k h; done; sleep 0.5; }
p99() { python3 -c "import json; print(json.load(open('$1'))['key_to_frame_us']['p99'])"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
rounds=${ROUNDS:-3}
# Four keys a batch; fewer batches when the map builds faster than 1,000 keys
# take (the line "still building at the last key" says whether it did).
KEYS=${KEYS:-250}
echo "== $(basename "$img"): key-to-frame p99 ($((KEYS * 4)) keys), owner map built (idle) vs building, $rounds rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
idle=(); building=()
for r in $(seq "$rounds"); do
  run
  t0=$(date +%s%N)
  waitfor 10 'map disk ext4'
  waitgone 600 'map disk ext4'   # built: the status bar's map progress is gone
  waitfor 5 'readme\|lost+found\|dir0'
  built_s=$(echo "($(date +%s%N) - $t0) / 1000000000" | bc -l)
  tmux send-keys -t $s Tab; sleep 0.5; keys; finish > /tmp/bv-om-idle.json
  idle+=("$(p99 /tmp/bv-om-idle.json)")
  run
  waitfor 10 'map disk ext4'
  tmux send-keys -t $s Tab; sleep 0.2; keys
  still=$(screen | grep -c 'map disk ext4' || true)
  finish > /tmp/bv-om-build.json
  building+=("$(p99 /tmp/bv-om-build.json)")
  printf '  round %d: p99 idle %s us, building %s us (map built in %.1f s; still building at the last key: %s)\n' \
    "$r" "${idle[-1]}" "${building[-1]}" "$built_s" "$([ "$still" -gt 0 ] && echo yes || echo NO)"
done
a=$(median "${idle[@]}"); b=$(median "${building[@]}")
printf '  median p99: idle %.0f us, while the owner map builds %.0f us (%.2fx; goal ≤ 1.5x)\n' "$a" "$b" "$(echo "$b / $a" | bc -l)"
