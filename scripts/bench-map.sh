#!/usr/bin/env bash
# Measures the overview map (blkview map, and the viewer's map panel):
#   1. a 16 TiB - 4 KiB sparse image with 6 MiB of data: `blkview map` (64
#      cells, then 8192) and `map --full` map it completely (goal: under 1 s);
#   2. a cold 1 GiB dense file: `map --full` against `bench --mode seq` on the
#      same file, page cache dropped before every run, alternating runs,
#      MiB/s medians (goal: ratio >= 0.9);
#   3. key-to-frame p99 in the viewer (1,000 cursor keys) idle and while the
#      map panel fills, alternating rounds: only key frames drawn while the
#      fill was under way count (--stats splits them by the map's phase), and
#      the headline is the p99 of all rounds' frames pooled (goal: ratio <= 1.5).
# Usage: scripts/bench-map.sh [DIR]   (DIR on a disk file system; default /var/tmp; root for drop_caches)
set -euo pipefail
dir=${1:-/var/tmp}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BLKVIEW:-$here/.build/release/blkview}
[ -x "$bin" ] || (cd "$here" && swift build -c release --static-swift-stdlib --product blkview >&2)
rounds=${ROUNDS:-3}
sparse=$dir/blkview-map-16t.img
dense=$dir/blkview-map-dense-1g.img
now() { date +%s%N; }
. "$here/scripts/lib/frames.sh"  # median, stats_samples, pooled_p99
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

if [ ! -f "$sparse" ]; then
  truncate -s $((16 * 1024 * 1024 * 1024 * 1024 - 4096)) "$sparse"  # ext4's largest file
  for at in $((1 << 40)) $((5 << 40)) $((12 << 40)); do
    head -c $((2 << 20)) /dev/urandom | dd of="$sparse" bs=1M seek=$((at >> 20)) conv=notrunc status=none
  done
  yes 'a line of plain text in a sparse image' | head -c $((1 << 20)) | dd of="$sparse" bs=1 seek=$((7 << 40)) conv=notrunc status=none
fi
echo "== 16 TiB - 4 KiB sparse image, 7 MiB of data: time to a complete map ($rounds runs, median; goal under 1 s)"
for args in "--cells 64" "--cells 8192" "--cells 8192 --full"; do
  t=()
  for _ in $(seq "$rounds"); do
    t0=$(now); "$bin" map "$sparse" $args --json > /tmp/bv-map-16t.json; t1=$(now)
    t+=("$(echo "($t1 - $t0) / 1000000000" | bc -l)")
    complete=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['complete'], sum(c['class']!='zero' for c in d['cells']), d['bytes_read'])" /tmp/bv-map-16t.json)
  done
  printf '  map %-20s %.3f s  (complete, data cells, bytes read: %s)\n' "$args" "$(median "${t[@]}")" "$complete"
done

[ -f "$dense" ] && [ "$(stat -c %s "$dense")" -eq $((1 << 30)) ] || head -c $((1 << 30)) /dev/urandom > "$dense"
echo "== cold 1 GiB dense file: map --full vs bench --mode seq (1 MiB, 8 slots), caches dropped, $rounds alternating runs"
echo "   (both rates as each measures itself, from the source open to the last byte: the process's start, ~0.1 s,"
echo "    is in neither; map's wall-clock rate, start and exit included, is shown too)"
m=(); w=(); b=()
for r in $(seq "$rounds"); do
  drop; t0=$(now); "$bin" map "$dense" --full --cells 1024 --json > /tmp/bv-map-dense.json; t1=$(now)
  m+=("$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["bytes_read"] / 1048576 / d["seconds"])' /tmp/bv-map-dense.json)")
  w+=("$(echo "1024 / (($t1 - $t0) / 1000000000)" | bc -l)")
  drop; b+=("$("$bin" bench "$dense" --mode seq --duration 2 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mib_per_s"])')")
  printf '  round %d: map --full %.0f MiB/s (wall clock %.0f), bench seq %.0f MiB/s\n' "$r" "${m[-1]}" "${w[-1]}" "${b[-1]}"
done
mm=$(median "${m[@]}"); ww=$(median "${w[@]}"); bb=$(median "${b[@]}")
printf '  median: map --full %.0f MiB/s, bench seq %.0f MiB/s: %.2fx (goal >= 0.9x; wall clock %.0f MiB/s: %.2fx)\n' \
  "$mm" "$bb" "$(echo "$mm / $bb" | bc -l)" "$ww" "$(echo "$ww / $bb" | bc -l)"

echo "== viewer key-to-frame p99, 1,000 keys, idle vs while the map fills ($rounds alternating rounds, the 1 GiB dense file through nbdkit, rdelay ${MAP_RDELAY:-2ms})"
s=blkview-map-bench-$$
trap 'tmux kill-session -t $s 2>/dev/null || true' EXIT
run() {
  stats=$(mktemp)
  tmux new-session -d -s $s -x 120 -y 40 "LANG=C.UTF-8 $bin $* --stats $stats"
  for _ in $(seq 400); do tmux capture-pane -p -t $s | grep -q 'read-only' && break; sleep 0.05; done
}
finish() {
  tmux send-keys -t $s q
  for _ in $(seq 1200); do [ -s "$stats" ] && break; sleep 0.05; done
  tmux kill-session -t $s 2>/dev/null || true
  cat "$stats"
}
keys() { for _ in $(seq 250); do tmux send-keys -t $s j l k h; done; sleep 0.5; }
p99() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['p99'])" "$1" "$2"; }
count() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['count'])" "$1" "$2"; }
# Only the key frames drawn while the fill was under way count for "filling"
# (--stats splits them by the map's phase at the frame); the headline is the
# p99 of all rounds' frames pooled (a round's own p99 is its 3rd-worst frame).
# A local file's map fills in a fraction of a second (only the first few key
# frames would fall in it): the viewer reads the same file through nbdkit with
# a 2 ms read delay (a remote disk), in both kinds of rounds, so that the fill
# outlasts the keys.
command -v nbdkit > /dev/null || { echo "nbdkit is not installed (scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d)
pool_i=$work/idle; pool_m=$work/filling
trap 'tmux kill-session -t $s 2>/dev/null || true; kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
nbdkit -U "$work/sock" -P "$work/pid" --filter=delay file "$dense" rdelay="${MAP_RDELAY:-2ms}"
fillimg="'nbd+unix:///?socket=$work/sock'"
ki=(); km=()
for r in $(seq "$rounds"); do
  drop; run "$fillimg"; sleep 0.5; keys; finish > /tmp/bv-map-idle.json
  ki+=("$(p99 /tmp/bv-map-idle.json key_to_frame_us)"); stats_samples /tmp/bv-map-idle.json key_to_frame_samples_us >> "$pool_i"
  drop; run "$fillimg"; tmux send-keys -t $s m; sleep 0.2; keys
  state=$(tmux capture-pane -p -t $s | grep -o 'Map · whole media · [a-z]*' || true)
  finish > /tmp/bv-map-fill.json
  km+=("$(p99 /tmp/bv-map-fill.json key_to_frame_while_filling_us)"); stats_samples /tmp/bv-map-fill.json key_to_frame_while_filling_samples_us >> "$pool_m"
  echo "  round $r: p99 idle ${ki[-1]} us ($(count /tmp/bv-map-idle.json key_to_frame_us) frames), map filling ${km[-1]} us" \
       "($(count /tmp/bv-map-fill.json key_to_frame_while_filling_us) of $(count /tmp/bv-map-fill.json key_to_frame_us) key frames drawn while it filled; after the keys: ${state:-no map title})"
done
a=$(median "${ki[@]}"); c=$(median "${km[@]}")
printf '  median of the rounds\x27 p99: idle %.0f us, map filling %.0f us: %.2fx\n' "$a" "$c" "$(echo "$c / $a" | bc -l)"
pa=$(pooled_p99 "$pool_i"); pm=$(pooled_p99 "$pool_m")
printf '  p99 of all rounds\x27 key frames: idle %.0f us (%d), while the map fills %.0f us (%d): %.2fx (goal <= 1.5x)\n' \
  "$pa" "$(wc -l < "$pool_i")" "$pm" "$(wc -l < "$pool_m")" "$(echo "$pm / $pa" | bc -l)"
