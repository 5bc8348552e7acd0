#!/bin/sh
# MAP_SHARED mappings of files on an ext4 volume (ext4_mmap.c; docs/storage.md): the guest
# program checks what it can see; the host then checks the disk: e2fsck -fn clean, and
# what was written through mappings (with msync, and without it before munmap) is in the
# files.
#   ext4_mmap.sh OSPREY KERNEL PROGRAM
set -u
osprey=$1 kernel=$2 program=$3
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mke2fs -q -t ext4 "$work/data.img" 64M || fail "mke2fs"
"$osprey" run --kernel "$kernel" --timeout 240 --volume "$work/data.img:/data" "$program" >"$work/out" 2>&1 ||
    { cat "$work/out"; fail "the guest program failed"; }
grep -q '^ok: ' "$work/out" || { cat "$work/out"; fail "the guest program did not finish"; }
e2fsck -fn "$work/data.img" >"$work/fsck" 2>&1 || { cat "$work/fsck"; fail "e2fsck found something to fix"; }
debugfs -R "dump /shared $work/shared" "$work/data.img" >/dev/null 2>&1 || fail "debugfs dump /shared"
[ "$(stat -c %s "$work/shared")" = 4096 ] || fail "/shared is not 4096 bytes after the truncate"
[ "$(dd if="$work/shared" bs=1 skip=100 count=11 2>/dev/null)" = "through one" ] || fail "a mapping's write is not on the disk"
debugfs -R "dump /unsynced $work/unsynced" "$work/data.img" >/dev/null 2>&1 || fail "debugfs dump /unsynced"
[ "$(head -c 18 "$work/unsynced")" = "kept without msync" ] || fail "a write through a mapping was lost at munmap"

# The same writes, and QEMU killed once the guest has done them: what msync, and munmap
# with close, wrote is on the disk then, not only after the orderly power-off.
mke2fs -q -t ext4 "$work/held.img" 64M || fail "mke2fs"
"$osprey" run --kernel "$kernel" --timeout 240 --volume "$work/held.img:/data" "$program" hold >"$work/held.out" 2>&1 &
osprey_pid=$!
for _ in $(seq 1 600); do
    grep -q '^closed$' "$work/held.out" && break
    kill -0 "$osprey_pid" 2>/dev/null || break
    sleep 0.2
done
grep -q '^closed$' "$work/held.out" || { kill "$osprey_pid" 2>/dev/null; cat "$work/held.out"; fail "the held run did not get to its end"; }
for child in $(pgrep -P "$osprey_pid"); do kill -KILL "$child"; done
wait "$osprey_pid" 2>/dev/null
for name in shared unsynced; do
    rm -f "$work/$name"
    debugfs -R "dump /$name $work/$name" "$work/held.img" >/dev/null 2>&1 || fail "debugfs dump /$name after the kill"
done
[ "$(dd if="$work/shared" bs=1 skip=100 count=11 2>/dev/null)" = "through one" ] ||
    fail "what msync wrote was not on the disk when QEMU was killed"
[ "$(head -c 18 "$work/unsynced")" = "kept without msync" ] ||
    fail "what a mapping wrote was not on the disk after munmap and close when QEMU was killed"
cat "$work/out"
