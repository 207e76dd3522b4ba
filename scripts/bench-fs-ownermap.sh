#!/usr/bin/env bash
# The owner map of a 4 GiB ext4 volume with 100,000 files against `fls -r` on
# it, in one run: ROUNDS alternating runs (default 5), medians, the ratio
# (goal ≤ 2x). blkview's side is `blkview owner IMAGE OFFSET` for a byte of a
# file: it starts the worker, builds the block → owner map and the inode →
# names table exactly as the viewer's background map does
# (FileSystemSession.ownerIndex), and names the owner. The image is made once
# (a sparse 4 GiB file in /var/tmp, mkfs.ext4 -d) and kept; warm in the page cache.
# Usage: scripts/bench-fs-ownermap.sh [IMAGE]. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
for t in fls istat mkfs.ext4 python3; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
img=${1:-/var/tmp/blkview-bench-fs-ext4-4g-100k.img}
rounds=${ROUNDS:-5}
if [ ! -f "$img" ]; then
  echo "making $img (sparse 4 GiB ext4, 100,000 files in 1,000 directories)…" >&2
  tree=$(mktemp -d /var/tmp/blkview-bench-fs-tree.XXXXXX)
  python3 - "$tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(1000):
    p = os.path.join(root, "dir%04d" % (d // 100), "sub%04d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        n = d * 100 + f
        with open(os.path.join(p, "file%05d.txt" % n), "wb") as h:
            # Mostly small files, every 100th spans several blocks.
            h.write(b"x" * (n % 700 if n % 100 else 4096 * (1 + n % 7)))
PY
  rm -f "$img.tmp"
  truncate -s 4G "$img.tmp"
  mkfs.ext4 -q -F -d "$tree" "$img.tmp"
  rm -rf "$tree"
  mv "$img.tmp" "$img"
fi
cat "$img" > /dev/null   # warm (sparse: fast)
# A byte in the data of a file in the middle of the tree.
inode=$(fls -r -p "$img" | awk -F'\t' '$2 == "dir0005/sub0500/file50001.txt" { split($1, a, " "); sub(":", "", a[2]); print a[2] }')
block=$(istat "$img" "$inode" | awk '/^Direct Blocks:/ { getline; print $1; exit }')
[ -n "$block" ] || { echo "cannot find a data block of dir0005/sub0500/file50001.txt" >&2; exit 1; }
offset=$((block * 4096 + 7))
answer=$("$bin" owner "$img" "$offset")
echo "owner of byte $offset (block $block): $answer" >&2
case "$answer" in *file50001.txt*) ;; *) echo "blkview owner names the wrong file" >&2; exit 1 ;; esac
load=$(cut -d' ' -f1-3 /proc/loadavg)

alternate "$rounds" \
  "blkview owner (map + names)|$bin owner '$img' $offset > /dev/null" \
  "fls -r|fls -r '$img' > /dev/null"

echo "$(fls -r "$img" | wc -l) entries; load average at start: $load on $(nproc) cores; $rounds alternating rounds, medians"
for k in "blkview owner (map + names)" "fls -r"; do
  printf '%-30s %7.3f s\n' "$k" "${MEDIAN[$k]}"
done
printf '%-40s %.2fx (goal <= 2x)\n' "owner map / fls -r" "$(echo "${MEDIAN["blkview owner (map + names)"]} / ${MEDIAN["fls -r"]}" | bc -l)"
