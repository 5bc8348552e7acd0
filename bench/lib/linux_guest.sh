#!/bin/sh
# Fetches Debian's own kernel for the Linux guest, without installing it into the host
# system: `apt-get download` of the versioned linux-image package that linux-image-amd64
# depends on, `dpkg-deb` to take /boot/vmlinuz out of it, and the ELF vmlinux (with its PVH
# note, so QEMU's -kernel boots it directly, as it boots Osprey) unpacked from the XZ
# stream inside the bzImage. Prints the path of vmlinux; a second call reuses the cache.
# Beside it, PACKAGE.modules/ holds the modules the network and storage figures need, taken
# from the same package (plain, uncompressed .ko files in Debian 12): Debian builds the
# virtio transports, virtio_net and its failover helpers, virtio_blk, ext4 and what ext4
# loads (jbd2, mbcache, crc16, crc32c) as modules. PACKAGE.modules/wanted records the
# list it was made from; a cache made from another list is made again.
#
#   bench/lib/linux_guest.sh CACHE_DIR
set -eu
cache=$1
mkdir -p "$cache"
cd "$cache"

kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
package=$(kernel_package)
if [ -z "$package" ]; then  # a fresh machine may have no package lists yet
    if [ "$(id -u)" -eq 0 ]; then apt-get update -q >&2; else sudo apt-get update -q >&2 || true; fi
    package=$(kernel_package)
fi
if [ -z "$package" ]; then
    echo "linux_guest: apt-cache knows no linux-image-amd64 (run apt-get update?)" >&2
    exit 1
fi
# The modules, as paths under /lib/modules/VERSION/kernel/ in the package.
wanted="drivers/virtio/virtio*.ko drivers/net/virtio_net.ko drivers/net/net_failover.ko
net/core/failover.ko drivers/block/virtio_blk.ko fs/ext4/ext4.ko fs/jbd2/jbd2.ko fs/mbcache.ko
lib/crc16.ko crypto/crc32c_generic.ko arch/x86/crypto/crc32c-intel.ko"
if [ -s "$package.vmlinux" ] && [ "$(cat "$package.modules/wanted" 2>/dev/null)" = "$wanted" ]; then
    echo "$cache/$package.vmlinux"
    exit 0
fi

echo "linux_guest: fetching $package (not installed: downloaded and unpacked in $cache)" >&2
rm -f "$package"_*.deb
# apt's sandbox user cannot write into most directories; the download works anyway.
apt-get download -q "$package" >/dev/null 2>&1 || apt-get download "$package" >&2
deb=$(ls "$package"_*.deb | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards -O './boot/vmlinuz-*' >"$package.vmlinuz"
rm -rf "$package.modules" "$package.modules.tmp"
mkdir "$package.modules.tmp"
set -f  # the patterns are tar's, not the shell's
patterns=""
for path in $wanted; do patterns="$patterns ./lib/modules/*/kernel/$path*"; done
# shellcheck disable=SC2086  # each word a pattern
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$package.modules.tmp" --wildcards --transform='s,.*/,,' $patterns
set +f
echo "$wanted" >"$package.modules.tmp/wanted"
mv "$package.modules.tmp" "$package.modules"
rm -f "$deb"

# The bzImage's payload is one XZ stream; it starts at the XZ magic FD 37 7A 58 5A 00.
offset=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$package.vmlinuz" | head -n 1 | cut -d: -f1)
if [ -z "$offset" ]; then
    echo "linux_guest: no XZ stream in $package.vmlinuz" >&2
    exit 1
fi
tail -c +$((offset + 1)) "$package.vmlinuz" | xz -dc --single-stream >"$package.vmlinux.tmp"
mv "$package.vmlinux.tmp" "$package.vmlinux"
echo "$cache/$package.vmlinux"
