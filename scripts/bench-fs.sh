#!/usr/bin/env bash
# `blkview ls -r` against `fls -r` on an ext4 image with 100,000 files, in one
# run: ROUNDS alternating runs (default 5), medians, the ratio (goal ≤ 1.2x).
# Both list the same entries (deleted ones too: the outputs are compared
# first, text and JSON) to /dev/null; the image is made
# once with mkfs.ext4 -d and kept in /var/tmp, and warm in the page cache.
# Usage: scripts/bench-fs.sh [IMAGE]. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
for t in fls mkfs.ext4 python3; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
img=${1:-/var/tmp/blkview-bench-fs-ext4-100k.img}
rounds=${ROUNDS:-5}
if [ ! -f "$img" ]; then
  echo "making $img (ext4, 100,000 files in 1,000 directories)…" >&2
  tree=$(mktemp -d /var/tmp/blkview-bench-fs-tree.XXXXXX)
  python3 - "$tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(1000):
    p = os.path.join(root, "dir%04d" % (d // 100), "sub%04d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(os.path.join(p, "file%05d.txt" % (d * 100 + f)), "wb") as h:
            h.write(b"x" * ((d * 100 + f) % 700))
PY
  mkfs.ext4 -q -F -N 120000 -d "$tree" "$img.tmp" 1G
  rm -rf "$tree"
  mv "$img.tmp" "$img"
fi
cat "$img" > /dev/null   # warm
# Same content, not just the same count: the text line for line, and the
# JSON objects turned back into fls's lines.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fls -r -p "$img" > "$out/fls"
"$bin" ls -r "$img" > "$out/ours"
cmp -s "$out/fls" "$out/ours" || { echo "blkview ls -r differs from fls -r -p:" >&2; diff "$out/fls" "$out/ours" | head -5 >&2; exit 1; }
"$bin" ls -r --json "$img" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print("%s/%s %s%s%s:\t%s" % (o["name_type"], o["meta_type"], "* " if o["deleted"] else "", o["address"], "(realloc)" if o["reallocated"] else "", o["path"]))
' > "$out/json"
cmp -s "$out/fls" "$out/json" || { echo "blkview ls -r --json differs from fls -r -p:" >&2; diff "$out/fls" "$out/json" | head -5 >&2; exit 1; }
n_fls=$(wc -l < "$out/fls")
load=$(cut -d' ' -f1-3 /proc/loadavg)

alternate "$rounds" \
  "blkview ls -r|$bin ls -r '$img' > /dev/null" \
  "fls -r -p|fls -r -p '$img' > /dev/null" \
  "blkview ls -r --json|$bin ls -r --json '$img' > /dev/null"

echo "$n_fls entries; load average at start: $load on $(nproc) cores; $rounds alternating rounds, medians"
for k in "blkview ls -r" "fls -r -p" "blkview ls -r --json"; do
  printf '%-24s %7.3f s\n' "$k" "${MEDIAN[$k]}"
done
printf '%-40s %.2fx (goal <= 1.2x)\n' "ls -r / fls -r -p" "$(echo "${MEDIAN["blkview ls -r"]} / ${MEDIAN["fls -r -p"]}" | bc -l)"
printf '%-40s %.2fx\n' "ls -r --json / fls -r -p" "$(echo "${MEDIAN["blkview ls -r --json"]} / ${MEDIAN["fls -r -p"]}" | bc -l)"
