#!/bin/bash
# Makes the file-system images FileSystemsTests compare with The Sleuth Kit's
# tools, with the real tools of each file system (mkfs.*, mtools, debugfs,
# ntfs-3g and exfat-fuse through FUSE, genisoimage), then a split copy and an
# E01 of each. Usage: make-images.sh OUTDIR [FILES]
# Deterministic trees (python3, seeded); some files and a directory deleted.
set -euo pipefail
out=$1
files=${2:-2000}
mkdir -p "$out"
cd "$out"

python3 - "$files" <<'PY'
import os, random, sys
n = int(sys.argv[1])
def tree(root, count, maxsize, seed, longnames):
    r = random.Random(seed)
    dirs = [root]
    for i in range(max(4, count // 60)):
        parent = dirs[r.randrange(len(dirs))] if i >= 4 else root
        d = os.path.join(parent, ("Folder %02d" % i) if longnames and i % 3 == 0 else "d%02d" % i)
        os.makedirs(d, exist_ok=True)
        dirs.append(d)
    for i in range(count):
        d = dirs[1 + r.randrange(len(dirs) - 1)]
        name = ("A long file name %04d.data" % i) if longnames and i % 7 == 0 else "f%04d.txt" % i
        size = r.choice([s for s in [0, 1, 100, 511, 512, 513, 1000, 3000, 4096, 5000, 9000] if s <= maxsize] + [r.randrange(maxsize)] * 3)
        if i % 97 == 0: size = maxsize * 8
        with open(os.path.join(d, name), "wb") as f:
            f.write(r.randbytes(size))
tree("small", min(n, 1100), 300, 7, False)    # FAT12: one 512-byte cluster a file
tree("main", n, 12000, 11, True)
PY

# Names to delete: every 13th file of each tree, and one whole directory (d05 / Folder 03 kept).
( cd small && find . -type f | sort | awk 'NR % 13 == 0' | sed 's|^\./||' ) > small.del
( cd main && find . -type f | sort | awk 'NR % 13 == 0' | sed 's|^\./||' ) > main.del

fat() {  # fat BITS SIZE_MB SECTORS_PER_CLUSTER TREE
    local img=fat$1.img
    rm -f "$img"
    mkfs.fat -C -F "$1" -s "$3" -S 512 -n "FAT$1" "$img" $(($2 * 1024)) >/dev/null
    export MTOOLS_SKIP_CHECK=1
    (cd "$4" && for e in *; do mcopy -s -Q -m -i "../$img" "$e" ::/; done)
    local args=()
    while IFS= read -r f; do args+=("::/$f"); done < "$4.del"
    mdel -i "$img" "${args[@]}"
    mdeltree -i "$img" ::/d02
}
fat 12 2 1 small
fat 16 48 4 main
fat 32 96 1 main

fuse_fill() {  # fuse_fill IMG MOUNTER TREE
    mkdir -p mnt
    # FUSE for root wants a block device (fuseblk): a loop device over the image.
    local dev
    dev=$(losetup -f --show "$1")
    $2 "$dev" mnt
    cp -r "$3"/. mnt/
    (cd mnt && while IFS= read -r f; do rm -f -- "$f"; done < "../$3.del" && rm -rf d02)
    sync
    fusermount -u mnt || umount mnt
    losetup -d "$dev"
}
rm -f exfat.img ntfs.img
truncate -s 64M exfat.img && mkfs.exfat -L EXFAT exfat.img >/dev/null
fuse_fill exfat.img mount.exfat-fuse main
truncate -s 64M ntfs.img && mkfs.ntfs -F -Q -L NTFS ntfs.img >/dev/null 2>&1
fuse_fill ntfs.img ntfs-3g main

for v in 2 3 4; do
    rm -f ext$v.img
    mkfs.ext$v -q -F -b 1024 -d main -L EXT$v ext$v.img 64M
    { while IFS= read -r f; do echo "rm \"/$f\""; done < main.del; } > ext.cmds
    debugfs -w -f ext.cmds ext$v.img >/dev/null 2>&1
done

rm -f iso9660.img
genisoimage -quiet -R -J -V ISO -o iso9660.img main

for img in fat12 fat16 fat32 exfat ntfs ext2 ext3 ext4 iso9660; do
    rm -f "$img.split."* "$img.E01"
    split -b 7M --numeric-suffixes=1 -a 3 "$img.img" "$img.split."
    ewfacquire -u -q -t "$img" -c fast -S 1GiB "$img.img" >/dev/null 2>&1
done
rm -rf mnt small main
echo ok
