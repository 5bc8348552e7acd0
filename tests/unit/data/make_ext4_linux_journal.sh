#!/bin/sh
# Makes ext4_linux_journal.img.gz: an 8 MiB ext4 volume copied while Linux had it mounted,
# so its journal holds transactions Linux's jbd2 wrote and never checkpointed (two, the
# second with a revoke block for the freed directory). Needs root and loop devices;
# ext4_journal_test.cc replays it and compares with e2fsck's replay.
set -eu
out=${1:-ext4_linux_journal.img.gz}
work=$(mktemp -d)
trap 'umount "$work/mnt" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/mnt"
mke2fs -q -F -t ext4 -E lazy_itable_init=0,lazy_journal_init=0 "$work/img" 8M
mount -o loop "$work/img" "$work/mnt"
mkdir "$work/mnt/d"
for i in $(seq 1 60); do echo "file $i" > "$work/mnt/d/file_with_a_long_name_$i"; done
seq 1 20000 > "$work/mnt/big"
sync
rm -r "$work/mnt/d" "$work/mnt/big"
mkdir "$work/mnt/e"
echo kept > "$work/mnt/e/kept"
sync
# Copied before unmounting: Linux checkpoints the journal only later or at umount.
cp --sparse=always "$work/img" "$work/snapshot"
umount "$work/mnt"
gzip -9 -n -c "$work/snapshot" > "$out"
