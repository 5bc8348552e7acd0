#!/bin/sh
# The root as an ext4 disk image (`osprey build --format ext4`; docs/cli.md, "Disk
# images"): the image e2fsck finds clean; the guest lists and checksums the tree added to
# it as the host does; a run's writes (a new file, a changed one) are its own, and the next
# run and the image file do not see them; --add at run time reaches the guest; a dynamic
# program larger than 4 MiB (python3) runs from the disk; osprey inspect reads the disk;
# disks that are not Osprey images, or are cut short, are refused with a message.
#   root_disk.sh OSPREY KERNEL BUSYBOX
set -u
osprey=$1 kernel=$2 busybox=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { "$osprey" run --kernel "$kernel" --timeout 120 "$@"; }
tree=$work/tree
mkdir -p "$tree/sub/deep" "$tree/many"
echo "hello from the root disk" >"$tree/hello.txt"
head -c 300000 /dev/urandom >"$tree/sub/blob"
head -c 5000 /dev/urandom >"$tree/sub/deep/small"
ln -s hello.txt "$tree/link"
ln -s sub/deep/small "$tree/long-link-$(printf '%070d' 0)"
ln "$tree/hello.txt" "$tree/hard"
for i in $(seq 1 300); do echo "$i" >"$tree/many/file-$i"; done
chmod 600 "$tree/sub/blob"
chmod 1750 "$tree/sub/deep"
listing='find . | sort && find . -type f | sort | xargs sha256sum && stat -c "%n %a %h %s" hello.txt sub/blob sub/deep hard && readlink link'
(cd "$tree" && "$busybox" sh -c "$listing") >"$work/host.out"

"$osprey" build --format ext4 -o "$work/app.img" --add "$tree:/srv" -w /srv "$busybox" sh -c "$listing" \
    2>"$work/build.err" || { cat "$work/build.err"; fail "osprey build --format ext4 failed"; }
grep -q "an ext4 disk of" "$work/build.err" || { cat "$work/build.err"; fail "the build did not say it wrote a disk"; }
e2fsck -fn "$work/app.img" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck finds the built image unclean"; }
[ "$(debugfs -R 'cat /srv/hello.txt' "$work/app.img" 2>/dev/null)" = "hello from the root disk" ] ||
    fail "debugfs does not read /srv/hello.txt from the image"
sum=$(md5sum <"$work/app.img")

run --verbose "$work/app.img" >"$work/guest.out" 2>"$work/guest.err" || { cat "$work/guest.err"; fail "the run failed"; }
grep -q "mounted as /" "$work/guest.err" || { cat "$work/guest.err"; fail "the kernel did not mount the disk as /"; }
diff "$work/host.out" "$work/guest.out" || fail "the guest's listing and sums differ from the host's (< host, > guest)"

# A run's writes are its own.
run "$work/app.img" sh -c 'echo changed >hello.txt && echo new >/srv/new && mkdir /made && cat hello.txt && ls /srv/new' \
    >"$work/write.out" 2>&1 || { cat "$work/write.out"; fail "the writing run failed"; }
[ "$(cat "$work/write.out")" = "changed
/srv/new" ] || { cat "$work/write.out"; fail "the run could not write to its root"; }
run "$work/app.img" sh -c 'cat hello.txt; ls /srv/new /made 2>&1 | wc -l; grep " / " /proc/mounts' >"$work/again.out" 2>&1 ||
    { cat "$work/again.out"; fail "the second run failed"; }
[ "$(head -2 "$work/again.out")" = "hello from the root disk
2" ] || { cat "$work/again.out"; fail "the next run saw the previous run's writes"; }
grep -q "^/dev/vda / ext4 rw" "$work/again.out" || { cat "$work/again.out"; fail "/proc/mounts does not show the disk as /"; }
[ "$(md5sum <"$work/app.img")" = "$sum" ] || fail "a run changed the image file"

# --add at run time: copied onto the disk for that run, through the disk's symlinks
# (/bin is usr/bin on a merged-/usr host).
mkdir "$work/extra" && echo "added at run time" >"$work/extra/note"
[ "$(run --add "$work/extra:/bin/extra" "$work/app.img" cat /bin/extra/note 2>&1)" = "added at run time" ] ||
    fail "a file added with --add at run time is not in the guest"

"$osprey" inspect "$work/app.img" >"$work/inspect.out" 2>&1 || { cat "$work/inspect.out"; fail "osprey inspect failed"; }
grep -q "^Root: *an ext4 disk" "$work/inspect.out" && grep -q " /srv/sub/blob$" "$work/inspect.out" ||
    { cat "$work/inspect.out"; fail "osprey inspect does not describe the disk"; }

# A dynamic program of more than 4 MiB (the kernel reads it as it is touched).
"$osprey" build --format ext4 -o "$work/py.img" /usr/bin/python3 -c \
    'import json, os; print(json.dumps(sorted(os.listdir("/.osprey"))))' 2>"$work/build.err" ||
    { cat "$work/build.err"; fail "building the python3 disk failed"; }
[ "$(run "$work/py.img" 2>&1)" = '["app", "image.json"]' ] || { run "$work/py.img"; fail "python3 from a root disk"; }

# Disks that are not Osprey images.
truncate -s 32M "$work/plain.img" && mke2fs -q -t ext4 "$work/plain.img" || fail "mke2fs"
run "$work/plain.img" >"$work/plain.out" 2>&1
[ $? = 125 ] && grep -q "not an Osprey image" "$work/plain.out" || { cat "$work/plain.out"; fail "a plain ext4 disk was not refused"; }
head -c 1048576 "$work/app.img" >"$work/cut.img"
run "$work/cut.img" >"$work/cut.out" 2>&1
[ $? = 125 ] && grep -q "cut.img" "$work/cut.out" || { cat "$work/cut.out"; fail "a disk cut short was not refused"; }
echo "ok: the ext4 root disk holds the tree as the host has it, runs keep their writes to themselves, python3 runs from it"
