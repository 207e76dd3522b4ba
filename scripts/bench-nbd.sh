#!/usr/bin/env bash
# NBD and VM-image throughput against the peers, in one run (compare only
# within a run). ROUNDS alternating runs each (default 3); medians reported.
#   blkview hash --algorithms sha256 nbd+unix://…   vs  nbdcopy URI - | openssl dgst -sha256
#     (nbdkit file plugin on a unix socket, over a 2 GiB random file)
#   blkview hash --algorithms sha256 disk.qcow2      vs  qemu-img convert -O raw to /dev/shm, then openssl dgst -sha256
#                                                        (qemu-img cannot write a pipe: "Could not resize file")
#                                                    and nbdcopy from qemu-nbd | openssl dgst -sha256
# Usage: scripts/bench-nbd.sh [FILE]  (default: a 2 GiB random file in /var/tmp,
# made once and kept, and its qcow2 copy). Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/alternate.sh
bin=${BLKVIEW_BIN:-$PWD/.build/release/blkview}
[ -x "$bin" ] || { echo "build first: swift build -c release --static-swift-stdlib --product blkview" >&2; exit 1; }
for t in nbdkit nbdcopy qemu-img qemu-nbd openssl; do command -v $t > /dev/null || { echo "$t is not installed (scripts/setup.sh)" >&2; exit 1; }; done
file=${1:-/var/tmp/blkview-bench-hash-2GiB.bin}
rounds=${ROUNDS:-3}
if [ ! -f "$file" ]; then
  echo "making $file (2 GiB of random bytes)…" >&2
  head -c $((2 << 30)) /dev/urandom > "$file"
fi
qcow=${file%.bin}.qcow2
[ -f "$qcow" ] && [ "$qcow" -nt "$file" ] || qemu-img convert -O qcow2 "$file" "$qcow"
size=$(stat -c %s "$file")
cat "$file" "$qcow" > /dev/null   # warm
dir=$(mktemp -d)
trap 'kill $(cat "$dir/pid") 2>/dev/null || true; rm -rf "$dir" /dev/shm/blkview-bench-nbd.raw' EXIT
nbdkit -U "$dir/sock" -P "$dir/pid" file "$file"
uri="nbd+unix:///?socket=$dir/sock"
load=$(cut -d' ' -f1-3 /proc/loadavg)

alternate "$rounds" \
  "blkview nbd sha256|$bin hash --algorithms sha256 '$uri' > /dev/null" \
  "nbdcopy + openssl|nbdcopy '$uri' - | openssl dgst -sha256 > /dev/null" \
  "blkview qcow2 sha256|$bin hash --algorithms sha256 '$qcow' > /dev/null" \
  "qemu-img convert + openssl|qemu-img convert -O raw '$qcow' /dev/shm/blkview-bench-nbd.raw && openssl dgst -sha256 /dev/shm/blkview-bench-nbd.raw > /dev/null; rm -f /dev/shm/blkview-bench-nbd.raw" \
  "nbdcopy qemu-nbd + openssl|nbdcopy -- [ qemu-nbd -r -f qcow2 '$qcow' ] - | openssl dgst -sha256 > /dev/null"

echo "load average at start: $load on $(nproc) cores; $rounds alternating rounds, medians; $size bytes"
for k in "blkview nbd sha256" "nbdcopy + openssl" "blkview qcow2 sha256" "qemu-img convert + openssl" "nbdcopy qemu-nbd + openssl"; do
  printf '%-32s %7.2f s %6.0f MB/s\n' "$k" "${MEDIAN[$k]}" "$(echo "$size / ${MEDIAN[$k]} / 1000000" | bc -l)"
done
r() { printf '%-56s %.2fx\n' "$1" "$(echo "${MEDIAN[$2]} / ${MEDIAN[$3]}" | bc -l)"; }
r "NBD export: (nbdcopy + openssl) / blkview (goal >= 1.0)" "nbdcopy + openssl" "blkview nbd sha256"
r "qcow2: (qemu-img convert + openssl) / blkview (goal >= 1.0)" "qemu-img convert + openssl" "blkview qcow2 sha256"
r "qcow2: (nbdcopy from qemu-nbd + openssl) / blkview" "nbdcopy qemu-nbd + openssl" "blkview qcow2 sha256"
