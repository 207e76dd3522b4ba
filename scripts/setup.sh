#!/usr/bin/env bash
# Installs the system packages blkview builds against and its tests use.
# Idempotent: installs only what is missing. Needs root (or sudo) on Debian.
set -euo pipefail
packages=(
  # build
  libaio-dev libncursesw5-dev libewf-dev pkg-config
  # tests: terminal, tracing, peers
  tmux strace fio python3 xxd bsdextrautils time openssl
  # tests: real images made by real tools
  util-linux fdisk gdisk dosfstools mtools e2fsprogs ntfs-3g exfatprogs xfsprogs btrfs-progs
  cryptsetup-bin genisoimage sleuthkit ewf-tools xz-utils fuse3 dc3dd hashdeep bc
  # tests: exFAT populated through FUSE (no kernel exfat module here)
  exfat-fuse
  # tests: real servers for faults and remote disks (nbdkit filters; nbdfuse and nbdcopy from libnbd-bin), VM images
  nbdkit libnbd-bin qemu-utils
  # file systems (The Sleuth Kit's library) and network disks (libnbd)
  libtsk-dev libnbd-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
