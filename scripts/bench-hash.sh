#!/usr/bin/env bash
# Hashing speed against the peers, in one run (compare only within a run):
#   blkview hash --algorithms sha256   vs  openssl dgst -sha256
#   blkview hash (md5+sha1+sha256)     vs  md5sum; sha1sum; sha256sum (one after another)
# Usage: scripts/bench-hash.sh [FILE]   (default: a 2 GiB random file in /var/tmp,
# made once and kept). The file is read once first to warm the page cache,
# which every command then reads from (blkview copies chunks the cache holds
# instead of reading them from the disk again with O_DIRECT).
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

# Wall seconds and CPU seconds (user+sys) of one command, its output discarded.
run() { /usr/bin/time -f "%e %U %S" -o "$tmp" "$@" > /dev/null; read -r w u s < "$tmp"; echo "$w $(echo "$u + $s" | bc -l)"; }
mbps() { echo "scale=0; $size / $1 / 1000000" | bc -l; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)

read -r b256 b256c < <(run "$bin" hash --algorithms sha256 "$file")
read -r o256 o256c < <(run openssl dgst -sha256 "$file")
read -r ball ballc < <(run "$bin" hash --algorithms md5,sha1,sha256 "$file")
read -r cm cmc < <(run md5sum "$file")
read -r cs1 cs1c < <(run sha1sum "$file")
read -r cs2 cs2c < <(run sha256sum "$file")
cseq=$(echo "$cm + $cs1 + $cs2" | bc -l)
cseqc=$(echo "$cmc + $cs1c + $cs2c" | bc -l)

echo "load average at start: $load on $(nproc) cores (compare only within one run; the all-three ratio needs idle cores)"
row() { printf '%-42s %7.2f s wall %6s MB/s %7.2f s CPU\n' "$1" "$2" "$(mbps "$2")" "$3"; }
row "blkview hash --algorithms sha256" "$b256" "$b256c"
row "openssl dgst -sha256" "$o256" "$o256c"
row "blkview hash (md5+sha1+sha256, one pass)" "$ball" "$ballc"
row "md5sum; sha1sum; sha256sum" "$cseq" "$cseqc"
printf '  (md5sum %.2f s, sha1sum %.2f s, sha256sum %.2f s)\n' "$cm" "$cs1" "$cs2"
printf 'ratio sha256 vs openssl:              %.2fx (target >= 1.1x)\n' "$(echo "$o256 / $b256" | bc -l)"
printf 'ratio all three vs coreutils in turn: %.2fx (target >= 3.5x)\n' "$(echo "$cseq / $ball" | bc -l)"
printf 'CPU ratio all three vs coreutils:     %.2fx (the wall ratio tends to this when no core is idle)\n' \
  "$(echo "$cseqc / $ballc" | bc -l)"
