#!/usr/bin/env bash
# Hashing speed against the fair peers, in one run (compare only within a run).
# Every command gets ROUNDS alternating runs (default 3); medians are reported.
#   blkview hash --algorithms sha256          vs  openssl dgst -sha256
#   blkview hash --algorithms md5             (the limit for a serial MD5)
#   blkview hash (md5+sha1+sha256, one pass)  vs  dc3dd hash=md5 hash=sha1 hash=sha256 (one read, three hashes)
#                                             vs  tee into md5sum, sha1sum and sha256sum running at once
#                                             vs  hashdeep -c md5,sha1,sha256
#                                             and md5sum; sha1sum; sha256sum one after another (for reference)
# Usage: scripts/bench-hash.sh [FILE]   (default: a 2 GiB random file in /var/tmp,
# made once and kept), warmed in the page cache first. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
for t in dc3dd hashdeep openssl; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
file=${1:-/var/tmp/blkview-bench-hash-2GiB.bin}
rounds=${ROUNDS:-3}
if [ ! -f "$file" ]; then
  echo "making $file (2 GiB of random bytes)…" >&2
  head -c $((2 << 30)) /dev/urandom > "$file"
fi
size=$(stat -c %s "$file")
cat "$file" > /dev/null   # warm
load=$(cut -d' ' -f1-3 /proc/loadavg)

alternate "$rounds" \
  "blkview sha256|$bin hash --algorithms sha256 '$file'" \
  "openssl dgst -sha256|openssl dgst -sha256 '$file'" \
  "blkview md5 only|$bin hash --algorithms md5 '$file'" \
  "blkview md5+sha1+sha256|$bin hash --algorithms md5,sha1,sha256 '$file'" \
  "dc3dd md5+sha1+sha256|dc3dd if='$file' of=/dev/null hash=md5 hash=sha1 hash=sha256 log=/dev/null 2>/dev/null" \
  "tee into md5sum,sha1sum,sha256sum|tee >(md5sum >/dev/null) >(sha1sum >/dev/null) < '$file' | sha256sum" \
  "hashdeep -c md5,sha1,sha256|hashdeep -c md5,sha1,sha256 '$file'" \
  "md5sum; sha1sum; sha256sum|md5sum '$file'; sha1sum '$file'; sha256sum '$file'"

echo "load average at start: $load on $(nproc) cores; $rounds alternating rounds, medians"
for k in "blkview sha256" "openssl dgst -sha256" "blkview md5 only" "blkview md5+sha1+sha256" "dc3dd md5+sha1+sha256" \
         "tee into md5sum,sha1sum,sha256sum" "hashdeep -c md5,sha1,sha256" "md5sum; sha1sum; sha256sum"; do
  printf '%-40s %7.2f s %6.0f MB/s\n' "$k" "${MEDIAN[$k]}" "$(echo "$size / ${MEDIAN[$k]} / 1000000" | bc -l)"
done
r() { printf '%-52s %.2fx\n' "$1" "$(echo "${MEDIAN[$2]} / ${MEDIAN[$3]}" | bc -l)"; }
r "sha256: openssl / blkview" "openssl dgst -sha256" "blkview sha256"
r "three algorithms: dc3dd / blkview" "dc3dd md5+sha1+sha256" "blkview md5+sha1+sha256"
r "three algorithms: tee into three tools / blkview" "tee into md5sum,sha1sum,sha256sum" "blkview md5+sha1+sha256"
r "three algorithms: hashdeep / blkview" "hashdeep -c md5,sha1,sha256" "blkview md5+sha1+sha256"
r "three algorithms vs MD5 alone (1.00 = at the serial-MD5 limit)" "blkview md5+sha1+sha256" "blkview md5 only"
