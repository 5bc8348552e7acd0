#!/bin/sh
# ext4 written by the guest (docs/storage.md): ext4_write.c populates a fresh volume
# (thousands of files and directories created, written, renamed, truncated, linked and
# removed; one unlinked while open; files of 3000 extents cut and removed; the disk filled
# to ENOSPC and emptied) and checks it
# in the guest; then the host judges the image: e2fsck -fn clean, and the tree debugfs
# copies out equal to the same program's model. A second VM run of the same image reads
# it all back (the restart), then removes everything, listing as it deletes; e2fsck is
# clean again and every block and inode is free as on the fresh volume. Then the same after
# a run cut short (a crash): the journal replayed at the next mount.
#   ext4_write.sh OSPREY KERNEL PROGRAM BLOCK_SIZE
set -u
osprey=$1 kernel=$2 program=$3 block_size=$4
# The guest flushes at every commit; /dev/shm keeps those host fsyncs cheap.
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
image=$work/disk.img
mke2fs -q -t ext4 -b "$block_size" -L written "$image" 160M || fail "mke2fs"
free_counts() { dumpe2fs -h "$1" 2>/dev/null | grep -E '^Free (blocks|inodes):'; }
free_counts "$image" >"$work/free.fresh"
run() {  # run NAME ARGS...: the program in a VM with the volume on /data
    name=$1; shift
    "$osprey" run --kernel "$kernel" --timeout 900 --verbose --volume "$image:/data" "$program" "$@" \
        >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.out" "$work/$name.err"; fail "the $name run failed"; }
    cat "$work/$name.out"
}
check_image() {
    e2fsck -fn "$image" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck after the $1 run"; }
}

run populate populate /data/w
grep -q '^verified: ' "$work/populate.out" || fail "the guest did not verify its tree"
check_image populate
dumpe2fs -h "$image" 2>/dev/null | grep -q 'needs_recovery' && fail "the journal was left needing recovery"
mkdir "$work/copy"
debugfs -R "rdump /w $work/copy" "$image" >/dev/null 2>&1 || fail "debugfs rdump"
"$program" verify-host "$work/copy/w" || fail "the tree debugfs reads differs from what the guest wrote"

run restart verify /data/w
grep -q '^verified: ' "$work/restart.out" || fail "the second run did not read the tree back"
run remove remove /data/w
check_image remove
free_counts "$image" >"$work/free.after"
diff "$work/free.fresh" "$work/free.after" || fail "blocks or inodes still allocated after everything was removed"

# A crash: the VM stopped part way through populate (--timeout: QEMU is killed, what the
# guest wrote is in the image, the rest never happens). The journal still says
# needs_recovery; the next mount replays it, and the volume is consistent (every call
# was all or nothing): removing what was made leaves e2fsck clean and the counts fresh.
rm -f "$image"
mke2fs -q -t ext4 -b "$block_size" -L crashed "$image" 160M || fail "mke2fs"
"$osprey" run --kernel "$kernel" --timeout 6 --volume "$image:/data" "$program" populate /data/w \
    >"$work/crash.out" 2>"$work/crash.err" && fail "the run meant to be cut short finished"
dumpe2fs -h "$image" 2>/dev/null | grep -q 'needs_recovery' || fail "the cut-short run left no journal to recover"
"$osprey" run --kernel "$kernel" --timeout 900 --verbose --volume "$image:/data" "$program" remove /data/w \
    >"$work/recover.out" 2>"$work/recover.err" || { cat "$work/recover.out" "$work/recover.err"; fail "the run after the crash failed"; }
grep -q "journal replayed" "$work/recover.err" || { cat "$work/recover.err"; fail "the mount after the crash did not replay the journal"; }
check_image recover
free_counts "$image" >"$work/free.after"
diff "$work/free.fresh" "$work/free.after" || fail "blocks or inodes still allocated after the crash and the removal"
echo "ok: ext4 ($block_size-byte blocks) written by the guest, e2fsck-clean, read back by the host and by a second run, emptied to the fresh counts; after a crash, replayed and consistent"
