#!/bin/sh
# ext4's orphan list across a crash (docs/storage.md): busybox opens two files on a
# --volume, unlinks them and writes to them, and the VM is killed while they are still
# open. The superblock then names the first of them (dumpe2fs: "First orphan inode"); a
# read-only mount leaves the list alone and says so; the next read-write mount replays the
# journal, frees both (the kernel's log line), and the volume is e2fsck-clean with the
# free block and inode counts of the fresh volume once the one linked file is removed. A
# list whose head is out of range is dropped with a warning, and the mount goes on.
#   ext4_orphan.sh OSPREY KERNEL BUSYBOX
set -u
osprey=$1 kernel=$2 busybox=$3
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
image=$work/disk.img
mke2fs -q -t ext4 -b 1024 -L orphans "$image" 32M || fail "mke2fs"
free_counts() { dumpe2fs -h "$1" 2>/dev/null | grep -E '^Free (blocks|inodes):'; }
free_counts "$image" >"$work/free.fresh"

# The crash: osprey is stopped with SIGTERM once the guest says the files are open and
# unlinked; it kills QEMU, so the guest never unmounts.
"$osprey" run --kernel "$kernel" --timeout 120 --volume "$image:/data" "$busybox" sh -c '
    echo linked >/data/linked
    exec 3<>/data/one 4<>/data/two
    rm /data/one /data/two
    head -c 2000000 /dev/zero >&3
    echo two >&4
    echo files-open-and-unlinked
    sleep 1000' >"$work/crash.out" 2>&1 &
pid=$!
for i in $(seq 1 600); do
    grep -q files-open-and-unlinked "$work/crash.out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
grep -q files-open-and-unlinked "$work/crash.out" || { kill "$pid"; cat "$work/crash.out"; fail "the guest did not get its files open"; }
kill -TERM "$pid"
wait "$pid"
dumpe2fs -h "$image" 2>/dev/null | grep -q '^First orphan inode:' || fail "no orphan list on the disk after the crash"
dumpe2fs -h "$image" 2>/dev/null | grep -q 'needs_recovery' || fail "the crash left no journal to recover"

# Read-only: the list stays (and the journal, which a read-only disk cannot replay).
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$image:/data:ro" "$busybox" true \
    >"$work/ro.out" 2>&1 || { cat "$work/ro.out"; fail "the read-only run failed"; }
grep -q "the orphan list (first inode [0-9]*) is left for a read-write mount" "$work/ro.out" ||
    { cat "$work/ro.out"; fail "the read-only mount did not say it left the orphan list"; }
dumpe2fs -h "$image" 2>/dev/null | grep -q '^First orphan inode:' || fail "the read-only mount changed the list"

# Read-write: replayed, both freed at the mount.
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$image:/data" "$busybox" sh -c \
    'cat /data/linked && rm /data/linked && ls -a /data' >"$work/rw.out" 2>&1 ||
    { cat "$work/rw.out"; fail "the run after the crash failed"; }
grep -q "ext4: vda: 2 orphan inodes freed" "$work/rw.out" || { cat "$work/rw.out"; fail "the mount did not free the two orphans"; }
grep -qx linked "$work/rw.out" || { cat "$work/rw.out"; fail "the linked file did not survive"; }
dumpe2fs -h "$image" 2>/dev/null | grep -q '^First orphan inode:' && fail "the orphan list is still on the disk"
e2fsck -fn "$image" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck after the orphans were freed"; }
free_counts "$image" >"$work/free.after"
diff "$work/free.fresh" "$work/free.after" || fail "blocks or inodes still allocated after the orphans were freed"

# A hostile list (its head out of range): dropped with a warning, the mount goes on
# read-write, and the volume is clean.
debugfs -w -R "ssv last_orphan 999999" "$image" >/dev/null 2>&1 || fail "debugfs could not set the list's head"
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$image:/data" "$busybox" sh -c 'echo new >/data/new' \
    >"$work/bad.out" 2>&1 || { cat "$work/bad.out"; fail "the run with a bad orphan list failed"; }
grep -q "orphan inode 999999 is not one a list may hold" "$work/bad.out" && grep -q "the orphan list (from inode 999999) is dropped" "$work/bad.out" ||
    { cat "$work/bad.out"; fail "the bad orphan list was not dropped with a warning"; }
[ "$(debugfs -R 'cat /new' "$image" 2>/dev/null)" = new ] || fail "the volume was not read-write after the bad list"
e2fsck -fn "$image" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck after the bad list was dropped"; }
echo "ok: two files unlinked while open at a crash are on the orphan list, left by a read-only mount, freed by the next read-write mount; e2fsck clean, fresh counts; a bad list dropped"
