#!/usr/bin/env bash
# Measures the viewer as a user meets it, with the real binary in tmux; the
# viewer's own --stats file gives the figures.
#   1. key-to-frame latency with the pages in memory: 1,000 cursor keys,
#      then again while --hash hashes the image in the background;
#   2. holding Page Down on a cold image (8 slots): longest run of frames
#      that showed placeholders;
#   3. start-up on a 16 TiB sparse image: time to the first full frame.
# Usage: scripts/bench-viewer.sh [DIR]   (DIR on a disk file system; default /var/tmp)
set -euo pipefail
dir=${1:-/var/tmp}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-$here/.build/release/blkview}
[ -x "$bin" ] || (cd "$here" && swift build -c release --product blkview >&2)
img=$dir/blkview-viewer-bench.img
sparse=$dir/blkview-viewer-16t.img
[ -f "$img" ] || dd if=/dev/urandom of="$img" bs=1M count=512 status=none
[ -f "$sparse" ] || truncate -s $((16 * 1024 * 1024 * 1024 * 1024 - 4096)) "$sparse"  # ext4's largest file
s=blkview-bench-$$
trap 'tmux kill-session -t $s 2>/dev/null || true' EXIT

run() {  # run ARGS...: start the viewer in tmux with --stats, wait for its first frame
  stats=$(mktemp)
  tmux new-session -d -s $s -x 120 -y 40 "LANG=C.UTF-8 $bin $* --stats $stats"
  for _ in $(seq 200); do tmux capture-pane -p -t $s | grep -q 'read-only' && break; sleep 0.05; done
}
finish() {  # quit and print one field of the stats
  tmux send-keys -t $s q
  for _ in $(seq 200); do [ -s "$stats" ] && break; sleep 0.05; done
  tmux kill-session -t $s 2>/dev/null || true
  cat "$stats"; echo
}
field() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

echo "== 1. key-to-frame, 1000 keys, pages in memory (release build)"
run "$img"
sleep 0.5
for i in $(seq 250); do tmux send-keys -t $s j l k h; done
sleep 0.5
finish > /tmp/blkview-keys.json
field /tmp/blkview-keys.json "'keys %d in %d frames: key-to-frame p50 %.0f us  p99 %.0f us  max %.0f us' % (d['keys'], d['key_to_frame_us']['count'], d['key_to_frame_us']['p50'], d['key_to_frame_us']['p99'], d['key_to_frame_us']['max'])"

echo "== 1b. the same keys while --hash (md5+sha1+sha256) runs in the background"
run "$img" --hash
sleep 0.2
for i in $(seq 250); do tmux send-keys -t $s j l k h; done
sleep 0.5
finish > /tmp/blkview-keys-hash.json
field /tmp/blkview-keys-hash.json "'keys %d in %d frames: key-to-frame p50 %.0f us  p99 %.0f us  max %.0f us' % (d['keys'], d['key_to_frame_us']['count'], d['key_to_frame_us']['p50'], d['key_to_frame_us']['p99'], d['key_to_frame_us']['max'])"

echo "== 2. holding PgDn on a cold image, 8 slots, ~30 keys/s for 10 s"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop caches: not root; the image may be warm)"
run "$img" --slots 8
for i in $(seq 300); do tmux send-keys -t $s PageDown; sleep 0.033; done
finish > /tmp/blkview-pgdn.json
field /tmp/blkview-pgdn.json "'keys %d, frames %d, frames with placeholders %d, longest run %d frame(s) = %.1f ms' % (d['keys'], d['frames'], d['placeholder_frames'], d['longest_placeholder_streak'], d['longest_placeholder_ms'])"

echo "== 3. first full frame on a 16 TiB sparse image"
run "$sparse"
finish > /tmp/blkview-16t.json
field /tmp/blkview-16t.json "'first frame %.1f ms, first full frame %.1f ms (from main)' % (d['first_frame_ms'], d['first_full_frame_ms'])"
