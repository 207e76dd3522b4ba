#!/usr/bin/env bash
# blkview dump and search against their peers, measured in the same run.
#
#   scripts/bench-dump-search.sh [FILE]    (default /var/tmp/blkview-bench-2g.img)
#
# Makes FILE (2 GiB of random data mixed with text, so that hexdump's `*`
# squeezing does not make the dump trivial) when it is missing, warms it in the
# page cache, then times, all output to /dev/null:
#   blkview dump           vs xxd and hexdump -C (the same first DUMP_BYTES)
#   blkview search --text  vs LC_ALL=C grep -c -aF -f PATTERNFILE (absent pattern)
# and the search of an absent 8-byte pattern over a 20 GiB sparse file with a
# few MiB of data. Every tool gets the same bytes and the same number of
# alternating runs (ROUNDS, default 3); medians are reported, in MB/s
# (10^6 B/s), with the ratios. Uses the release build
# (swift build -c release --static-swift-stdlib) unless BLKVIEW_BIN says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-/var/tmp/blkview-bench-2g.img}
BIN=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
SIZE=$((2 << 30))
[ -x "$BIN" ] || { echo "no $BIN: run swift build -c release --static-swift-stdlib (or set BLKVIEW_BIN)" >&2; exit 1; }

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

. scripts/lib/alternate.sh
ROUNDS=${ROUNDS:-3}
# hexdump -C runs at ~10 MB/s: every dump tool gets the same first DUMP_BYTES
# (default 256 MiB), the same number of alternating runs, and the median.
DUMP_BYTES=${DUMP_BYTES:-$((256 << 20))}
mbs() { echo "scale=1; $2 / $1 / 1000000" | bc -l; }
ratio() { echo "scale=2; $2 / $1" | bc -l; }
row() { printf '%-52s %8.2f s %9.1f MB/s\n' "$1" "${MEDIAN[$1]}" "$(mbs "${MEDIAN[$1]}" "$2")"; }

echo "== dump (the first $((DUMP_BYTES >> 20)) MiB of $FILE, warm; $ROUNDS alternating runs each, medians) =="
alternate "$ROUNDS" \
  "blkview dump (canonical)|$BIN dump '$FILE' --length $DUMP_BYTES" \
  "xxd|xxd -l $DUMP_BYTES '$FILE'" \
  "hexdump -C|hexdump -C -n $DUMP_BYTES '$FILE'" \
  "blkview dump --format color|env -u NO_COLOR $BIN dump --format color '$FILE' --length $DUMP_BYTES"
for k in "blkview dump (canonical)" xxd "hexdump -C" "blkview dump --format color"; do row "$k" "$DUMP_BYTES"; done
echo "ratio xxd/blkview (speed-up):        $(ratio "${MEDIAN[blkview dump (canonical)]}" "${MEDIAN[xxd]}")x"
echo "ratio hexdump -C/blkview (speed-up): $(ratio "${MEDIAN[blkview dump (canonical)]}" "${MEDIAN[hexdump -C]}")x"

echo "== search (absent pattern '$PAT', 2 GiB warm; $ROUNDS alternating runs each, medians) =="
alternate "$ROUNDS" \
  "blkview search --text|$BIN search '$FILE' --text '$PAT'; [ \$? -le 1 ]" \
  "LC_ALL=C grep -c -aF -f PATTERNFILE|LC_ALL=C grep -c -aF -f '$PATFILE' '$FILE'; [ \$? -le 1 ]"
row "blkview search --text" "$SIZE"; row "LC_ALL=C grep -c -aF -f PATTERNFILE" "$SIZE"
echo "ratio grep/blkview (speed-up):       $(ratio "${MEDIAN[blkview search --text]}" "${MEDIAN[LC_ALL=C grep -c -aF -f PATTERNFILE]}")x"

echo "== search, 20 GiB sparse file, absent 8-byte pattern ($ROUNDS runs, median) =="
alternate "$ROUNDS" "blkview search --hex over 20 GiB sparse|$BIN search '$SPARSE' --hex 'de ad be ef 01 02 03 04'; [ \$? -le 1 ]"
printf '%-52s %8.3f s\n' "blkview search --hex (8 bytes) over 20 GiB sparse" "${MEDIAN[blkview search --hex over 20 GiB sparse]}"
