#!/bin/sh
# The kernel's overlay= (docs/cmdline.md): a cpio archive handed over as a fw_cfg file is
# copied onto the root before the program starts. QEMU runs the command line of
# `osprey run --dry-run --no-cache` (a whole image, no overlay of its own) with `-fw_cfg`
# and the word added: a file the overlay adds is there; an overlay's /.osprey/app replaces the
# image's (the program's arguments change); a missing fw_cfg file and an archive that is
# not one stop the boot with the cause on the kernel log, without a backtrace.
#   fw_cfg_overlay.sh OSPREY KERNEL BUSYBOX
set -u
osprey=$1 kernel=$2 busybox=$3
command -v cpio >/dev/null || { echo "SKIP: no cpio on the host"; exit 77; }
work=$(mktemp -d)
images=""
trap 'rm -rf "$work" $images' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# dry_run NAME ARGS...: $work/NAME.cmd holds the QEMU command line; $work/NAME.dir names the
# directory with the image, which the run's output files go to.
dry_run() {
    name=$1
    shift
    "$osprey" run --kernel "$kernel" --dry-run --no-cache "$@" >"$work/$name.cmd" 2>"$work/$name.err" ||
        { cat "$work/$name.err"; fail "osprey run --dry-run $* failed"; }
    dir=$(sed -n 's|.*the image is \(.*\)/initramfs.cpio, kept.*|\1|p' "$work/$name.err")
    [ -d "$dir" ] || { cat "$work/$name.err"; fail "the dry run kept no image"; }
    images="$images $dir"
    echo "$dir" >"$work/$name.dir"
    cp "$dir/control.in" "$work/$name.control.in"
}

# boot NAME OVERLAY_FILE: boots NAME's command line with the fw_cfg file (none for "-") and
# overlay=opt/osprey/overlay; the kernel log in $work/log, the program's stdout in $work/out.
boot() {
    dir=$(cat "$work/$1.dir")
    fw_cfg=""
    [ "$2" = - ] || fw_cfg="-fw_cfg name=opt/osprey/overlay,file=$2"
    cp "$work/$1.control.in" "$dir/control.in"
    : >"$dir/stdout"
    cmd=$(sed "s|-append '|$fw_cfg -append 'overlay=opt/osprey/overlay |" "$work/$1.cmd")
    eval "timeout 120 $cmd" >"$work/log" 2>&1 </dev/null
    cp "$dir/stdout" "$work/out"
}

# overlay NAME: $work/NAME.cpio from the tree $work/NAME, as `find . | cpio` makes it.
overlay() { (cd "$work/$1" && find . | cpio -o -H newc >"$work/$1.cpio" 2>/dev/null); }

dry_run motd "$busybox" cat /etc/motd
dry_run other "$busybox" echo the overlay chose these arguments

# A file the image does not have.
mkdir -p "$work/adds/etc" && echo "from the overlay" >"$work/adds/etc/motd" && overlay adds
boot motd "$work/adds.cpio"
[ "$(cat "$work/out")" = "from the overlay" ] || { cat "$work/log" "$work/out"; fail "the overlay's /etc/motd is not in the guest"; }

# The image's /.osprey/app replaced by another run's: the program's arguments change.
mkdir -p "$work/app" && (cd "$work/app" && cpio -id .osprey .osprey/app <"$(cat "$work/other.dir")/initramfs.cpio" 2>/dev/null)
[ -f "$work/app/.osprey/app" ] || fail "cpio did not extract /.osprey/app from the dry run's image"
overlay app
boot motd "$work/app.cpio"
[ "$(cat "$work/out")" = "the overlay chose these arguments" ] ||
    { cat "$work/log" "$work/out"; fail "the overlay's /.osprey/app did not replace the image's"; }

# overlay= without such a fw_cfg file.
boot motd -
grep -q "overlay=opt/osprey/overlay: fw_cfg has no file by that name (ENOENT)" "$work/log" &&
    grep -q "boot stopped" "$work/log" || { cat "$work/log"; fail "a missing overlay file did not stop the boot with the reason"; }
! grep -q "KERNEL PANIC" "$work/log" || { cat "$work/log"; fail "a missing overlay file is a kernel panic"; }
[ ! -s "$work/out" ] || fail "the program ran without its overlay"

# An overlay that is not a cpio archive.
head -c 5000 /dev/urandom >"$work/garbage"
boot motd "$work/garbage"
grep -q "overlay=opt/osprey/overlay: not a cpio newc archive" "$work/log" && grep -q "boot stopped" "$work/log" ||
    { cat "$work/log"; fail "a malformed overlay did not stop the boot with the reason"; }
echo "PASS"
