#!/usr/bin/env bash
# blkview dump and search against their peers, measured in the same run.
#
#   scripts/bench-dump-search.sh [FILE]    (default /var/tmp/blkview-bench-2g.img)
#
# Makes FILE (2 GiB of random data mixed with text, so that hexdump's `*`
# squeezing does not make the dump trivial) when it is missing, warms it in the
# page cache, then times, all output to /dev/null:
#   blkview dump           vs xxd and hexdump -C (the same 2 GiB)
#   blkview search --text  vs LC_ALL=C grep -c -aF -f PATTERNFILE (absent pattern)
# and the search of an absent 8-byte pattern over a 20 GiB sparse file with a
# few MiB of data. Prints MB/s (10^6 B/s) and the ratios. Uses the release build
# (swift build -c release) unless BLKVIEW_BIN says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-/var/tmp/blkview-bench-2g.img}
BIN=${BLKVIEW_BIN:-.build/release/blkview}
SIZE=$((2 << 30))
[ -x "$BIN" ] || { echo "no $BIN: run swift build -c release (or set BLKVIEW_BIN)" >&2; exit 1; }

if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne "$SIZE" ]; then
    echo "making $FILE (2 GiB, random data mixed with text)…" >&2
    python3 - "$FILE" "$SIZE" <<'PY'
import os, sys, random
path, size = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
words = b"the quick brown fox jumps over a lazy dog disk sector block inode superblock journal partition".split()
text = b"\n".join(b" ".join(rnd.choice(words) for _ in range(12)) for _ in range(40000))
with open(path, "wb") as f:
    written, i = 0, 0
    while written < size:
        piece = os.urandom(512 << 10) if i % 2 == 0 else text[(i * 7919) % (len(text) - (512 << 10)):][: 512 << 10]
        piece = piece[: size - written]
        f.write(piece)
        written += len(piece)
        i += 1
PY
fi

SPARSE=${SPARSE:-/var/tmp/blkview-bench-sparse-20g.img}
if [ ! -f "$SPARSE" ]; then
    echo "making $SPARSE (20 GiB sparse, 4 MiB of data in 4 places)…" >&2
    truncate -s 20G "$SPARSE"
    for gib in 0 5 10 19; do
        head -c 1M /dev/urandom | dd of="$SPARSE" bs=1M seek=$((gib * 1024 + 3)) conv=notrunc status=none
    done
fi

PATFILE=$(mktemp)
trap 'rm -f "$PATFILE"' EXIT
printf 'Zq9#absent-pattern-@7' > "$PATFILE"   # no newline: grep -f reads one pattern
PAT=$(cat "$PATFILE")

echo "warming $FILE…" >&2
cat "$FILE" > /dev/null; cat "$FILE" > /dev/null

# secs CMD...: the best wall time in seconds of RUNS runs (output to /dev/null);
# the machine is shared, so the best run is the least disturbed one.
RUNS=${RUNS:-3}
secs() {
    local t0 t1 t best=""
    for _ in $(seq "$RUNS"); do
        t0=$(date +%s.%N)
        "$@" > /dev/null || true
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}
mbs() { echo "scale=1; $SIZE / $1 / 1000000" | bc -l; }
ratio() { echo "scale=2; $2 / $1" | bc -l; }
row() { printf '%-52s %8.2f s %9.1f MB/s\n' "$1" "$2" "$(mbs "$2")"; }

echo "== dump ($(du -h --apparent-size "$FILE" | cut -f1), warm) =="
t_blk=$(secs "$BIN" dump "$FILE");                row "blkview dump (canonical)" "$t_blk"
t_xxd=$(RUNS=1 secs xxd "$FILE");               row "xxd (1 run)" "$t_xxd"
# hexdump -C runs at ~10 MB/s: time it on the first 256 MiB and scale.
t_hd256=$(RUNS=1 secs hexdump -C -n $((256 << 20)) "$FILE")
t_hd=$(echo "$t_hd256 * 8" | bc -l);           row "hexdump -C (256 MiB, scaled x8)" "$t_hd"
echo "ratio blkview/xxd:        $(ratio "$t_blk" "$t_xxd")x"
echo "ratio blkview/hexdump -C: $(ratio "$t_blk" "$t_hd")x"
t_col=$(secs env -u NO_COLOR "$BIN" dump --format color "$FILE"); row "blkview dump --format color" "$t_col"

echo "== search (absent pattern '$PAT', warm) =="
t_s=$(secs "$BIN" search "$FILE" --text "$PAT");            row "blkview search --text" "$t_s"
t_g=$(secs env LC_ALL=C grep -c -aF -f "$PATFILE" "$FILE"); row "LC_ALL=C grep -c -aF -f PATTERNFILE" "$t_g"
echo "ratio blkview/grep:       $(ratio "$t_s" "$t_g")x"

echo "== search, 20 GiB sparse file, absent 8-byte pattern =="
t_sp=$(secs "$BIN" search "$SPARSE" --hex "de ad be ef 01 02 03 04")
printf '%-52s %8.3f s\n' "blkview search --hex (8 bytes) over 20 GiB sparse" "$t_sp"
