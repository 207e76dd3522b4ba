#!/usr/bin/env bash
# Regenerates the fuzz seed corpus from images made with the real tools.
# Each seed is one mode byte (see Sources/DiskFormatsFuzz/FuzzTarget.swift)
# followed by the payload: 0 = whole device, 2 = structure placed at an offset
# picked by the next byte (0:0 1:512 2:1024 3:4096 4:32768 5:65536).
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/corpus"
tmp="$(mktemp -d /tmp/blkview-corpus.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
seed() { # name mode [pick] < payload
    { printf "\\x$(printf %02x "$2")"; [ $# -ge 3 ] && printf "\\x$(printf %02x "$3")"; cat; } > "$out/$1"
}
slice() { dd if="$1" bs=1 skip="$2" count="$3" status=none; }

# Tiny whole devices (16 KiB): MBR with an EBR chain, and a GPT with a 4-entry array.
truncate -s 16K mbr.img
printf 'label: dos\nstart=2,size=4,type=c,bootable\nstart=8,size=24,type=5\nstart=10,size=4,type=83\nstart=20,size=4,type=82\n' \
    | sfdisk -q --no-reread mbr.img
seed mbr-ebr 0 < mbr.img
truncate -s 16K gpt.img
printf 'label: gpt\ntable-length: 4\nfirst-lba: 3\nstart=4,size=4,type=L,name=root\nstart=10,size=4,type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7,name=data\n' \
    | sfdisk -q --no-reread gpt.img
seed gpt 0 < gpt.img

truncate -s 8M ext4.img && mkfs.ext4 -q -F -L seed ext4.img
slice ext4.img 1024 1024 | seed ext4 2 2
truncate -s 40M fat32.img && mkfs.vfat -F 32 -s 1 -n SEED fat32.img >/dev/null
slice fat32.img 0 512 | seed fat32 2 0
truncate -s 2M fat12.img && mkfs.vfat -F 12 -n SEED fat12.img >/dev/null
slice fat12.img 0 512 | seed fat12 2 0
truncate -s 8M ntfs.img && mkfs.ntfs -q -F -Q -L seed ntfs.img >/dev/null 2>&1
slice ntfs.img 0 512 | seed ntfs 2 0
truncate -s 8M exfat.img && mkfs.exfat -L seed exfat.img >/dev/null
slice exfat.img 0 512 | seed exfat 2 0
truncate -s 1M swap.img && mkswap -L seed swap.img >/dev/null 2>&1
slice swap.img 0 4096 | seed swap 2 0
truncate -s 300M xfs.img && mkfs.xfs -q -f -L seed xfs.img
slice xfs.img 0 512 | seed xfs 2 0
truncate -s 128M btrfs.img && mkfs.btrfs -q -f -L seed btrfs.img >/dev/null
slice btrfs.img 65536 4096 | seed btrfs 2 5
mkdir iso && echo hello > iso/hello.txt && genisoimage -quiet -V SEED -J -o iso.img iso
slice iso.img 32768 6144 | seed iso9660 2 4
printf 'key' > key
truncate -s 4M luks1.img
cryptsetup luksFormat -q --type luks1 --pbkdf-force-iterations 1000 --key-file key luks1.img
slice luks1.img 0 592 | seed luks1 2 0
truncate -s 20M luks2.img
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --label seed --key-file key luks2.img
slice luks2.img 0 1024 | seed luks2 2 0
ls -l "$out"
