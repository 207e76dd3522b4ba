#!/usr/bin/env bash
# Makes Resources/demo.img.xz: a 64 MiB MBR disk made with real tools —
# sfdisk, mkfs.vfat (FAT32, with a few files via mtools) and mkfs.ext4 (filled
# from a directory) — so a new user sees real structures at once.
# Needs: fdisk (sfdisk), dosfstools, mtools, e2fsprogs, xz-utils. No root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
img=$work/demo.img
truncate -s 64M "$img"
sfdisk --quiet "$img" <<'TABLE'
label: dos
label-id: 0x626c6b76
start=2048, size=73728, type=c, bootable
start=75776, size=55296, type=83
TABLE

# Partition 1: FAT32 "BLKVIEW" with a couple of files.
truncate -s $((73728 * 512)) "$work/p1"
mkfs.vfat -F 32 -n BLKVIEW -i 0b1c2d3e --invariant "$work/p1" >/dev/null 2>&1 || mkfs.vfat -F 32 -n BLKVIEW -i 0b1c2d3e "$work/p1" >/dev/null
printf 'Hello from blkview.\nThis FAT32 volume was made by mkfs.vfat.\n' > "$work/README.TXT"
head -c 3000 /dev/zero | tr '\0' 'A' > "$work/AAAA.BIN"
mcopy -i "$work/p1" "$work/README.TXT" "$work/AAAA.BIN" ::/
dd if="$work/p1" of="$img" bs=512 seek=2048 conv=notrunc status=none

# Partition 2: ext4 "demo-ext4" filled from a directory.
mkdir -p "$work/root/etc" "$work/root/data"
printf 'blkview demo\n' > "$work/root/etc/motd"
printf '\xde\xad\xbe\xef MAGIC marker for / search\n' > "$work/root/data/marker.bin"
seq 1 2000 > "$work/root/data/numbers.txt"
truncate -s $((55296 * 512)) "$work/p2"
E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -L demo-ext4 -U 6b6c6276-6965-7700-8000-000000000001 \
  -E root_owner=0:0 -d "$work/root" "$work/p2"
dd if="$work/p2" of="$img" bs=512 seek=75776 conv=notrunc status=none

mkdir -p "$here/Resources"
xz -9e -T1 -c "$img" > "$here/Resources/demo.img.xz"
ls -l "$here/Resources/demo.img.xz"
