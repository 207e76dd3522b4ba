#!/usr/bin/env bash
# Hashing speed against the peers, in one run (compare only within a run):
#   blkview hash --algorithms sha256   vs  openssl dgst -sha256
#   blkview hash (md5+sha1+sha256)     vs  md5sum; sha1sum; sha256sum (one after another)
# Usage: scripts/bench-hash.sh [FILE]   (default: a 2 GiB random file in /var/tmp,
# made once and kept). The file is read once first to warm the page cache
# (blkview reads with O_DIRECT, so its figures are the disk's plus hashing).
# Uses the release build: swift build -c release --product blkview.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BLKVIEW_BIN:-.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --product blkview" >&2; exit 1; }
file=${1:-/var/tmp/blkview-bench-hash-2GiB.bin}
if [ ! -f "$file" ]; then
  echo "making $file (2 GiB of random bytes)…" >&2
  head -c $((2 << 30)) /dev/urandom > "$file"
fi
size=$(stat -c %s "$file")
cat "$file" > /dev/null   # warm

# Seconds of one command (wall clock), its output discarded.
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
mbps() { echo "scale=0; $size / $1 / 1000000" | bc -l; }

b256=$(secs "$bin" hash --algorithms sha256 "$file")
o256=$(secs openssl dgst -sha256 "$file")
ball=$(secs "$bin" hash --algorithms md5,sha1,sha256 "$file")
cm=$(secs md5sum "$file"); cs1=$(secs sha1sum "$file"); cs2=$(secs sha256sum "$file")
cseq=$(echo "$cm + $cs1 + $cs2" | bc -l)

printf '%-42s %8.2f s %6s MB/s\n' "blkview hash --algorithms sha256" "$b256" "$(mbps "$b256")"
printf '%-42s %8.2f s %6s MB/s\n' "openssl dgst -sha256" "$o256" "$(mbps "$o256")"
printf '%-42s %8.2f s %6s MB/s\n' "blkview hash (md5+sha1+sha256, one pass)" "$ball" "$(mbps "$ball")"
printf '%-42s %8.2f s %6s MB/s  (md5sum %.2f, sha1sum %.2f, sha256sum %.2f)\n' \
  "md5sum; sha1sum; sha256sum" "$cseq" "$(mbps "$cseq")" "$cm" "$cs1" "$cs2"
printf 'ratio sha256 vs openssl:            %.2fx (target >= 1.1x)\n' "$(echo "$o256 / $b256" | bc -l)"
printf 'ratio all three vs coreutils in turn: %.2fx (target >= 3.5x)\n' "$(echo "$cseq / $ball" | bc -l)"
