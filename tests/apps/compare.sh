#!/bin/bash
# Runs a Debian program on the host and the same program inside Osprey (`osprey run`), with
# the same arguments, environment, working directory, standard input and files, and checks
# that both give the same stdout and exit status, and that the host's status is the expected
# one (so a test cannot pass by failing the same way twice).
#   compare.sh OSPREY [OPTIONS] -- COMMAND [ARGS...]
# Options:
#   -e NAME=VALUE   set in both runs; the host run gets exactly the guest's default
#                   environment (PATH, HOME=/, see docs/cli.md) plus these, nothing inherited
#   -w DIR          working directory of both runs (default /)
#   --add PATH      a file or directory the program needs at the same absolute path in both
#                   runs (test data, scripts): `osprey run --add PATH`
#   --stdin FILE    standard input of both runs (default /dev/null)
#   --scratch       make an empty directory under /tmp for the program, at the same path in
#                   both runs (in the guest, on its /tmp tmpfs); @SCRATCH@ in ARGS stands for it
#   --volume        a persistent disk for the program: in the guest a new ext4 volume
#                   (`osprey run --volume`, the image made by osprey) mounted on /volume, on
#                   the host an empty directory; @VOLUME@ in ARGS stands for either. After
#                   the guest run the image must be clean for `e2fsck -fn`
#   --status N      the exit status expected of the host run (default 0)
#   --timeout S     osprey run --timeout (default 100)
set -u
osprey=$1
shift
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/)
guest_options=()
workdir=/ input=/dev/null scratch= volume=0 expected=0 timeout=100
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
        -e) environment+=("$2"); guest_options+=(-e "$2"); shift 2 ;;
        -w) workdir=$2; guest_options+=(--workdir "$2"); shift 2 ;;
        --add) guest_options+=(--add "$2"); shift 2 ;;
        --stdin) input=$2; shift 2 ;;
        --scratch) scratch=$(mktemp -d /tmp/osprey-apps.XXXXXX); shift ;;
        --volume) volume=1; shift ;;
        --status) expected=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ $# -lt 2 ]; then
    echo "usage: compare.sh OSPREY [OPTIONS] -- COMMAND [ARGS...]" >&2
    exit 2
fi
shift
work=$(mktemp -d)
trap 'rm -rf "$work" ${scratch:+"$scratch"} ${image_dir:+"$image_dir"}' EXIT
image_dir=
if [ $volume -eq 1 ]; then
    # The guest flushes the disk at every change, each flush an fsync of the image on the
    # host: /dev/shm keeps them cheap. 512 MiB: mke2fs gives it 4 KiB blocks, as the host's
    # file systems have, so block counts compare.
    image_dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
    guest_options+=(--volume-size 512M --volume "$image_dir/volume.img:/volume")
    mkdir "$work/volume"
fi
expand() {  # expand VOLUME_PATH WORDS...: the command, its placeholders replaced
    local path=$1 word
    shift
    command=()
    for word in "$@"; do
        word=${word//@SCRATCH@/$scratch}
        command+=("${word//@VOLUME@/$path}")
    done
}
# The guest first, while the scratch directory is still empty on the host.
[ -n "$scratch" ] && guest_options+=(--add "$scratch")
expand /volume "$@"
"$osprey" run --timeout "$timeout" "${guest_options[@]}" "${command[@]}" \
    <"$input" >"$work/guest.out" 2>"$work/guest.err"
guest_status=$?
expand "$work/volume" "$@"
(cd "$workdir" && exec env -i "${environment[@]}" "${command[@]}") \
    <"$input" >"$work/host.out" 2>"$work/host.err"
host_status=$?

failed=0
if [ "$host_status" != "$expected" ]; then
    echo "FAIL: exit status $host_status on the host, expected $expected; its stderr:" >&2
    head -20 "$work/host.err" >&2
    failed=1
fi
if [ "$host_status" != "$guest_status" ]; then
    echo "FAIL: exit status $guest_status in Osprey, $host_status on the host" >&2
    failed=1
fi
if ! cmp -s "$work/host.out" "$work/guest.out"; then
    echo "FAIL: stdout differs (< host, > osprey):" >&2
    diff "$work/host.out" "$work/guest.out" | head -40 >&2
    failed=1
fi
if [ $volume -eq 1 ] && ! e2fsck -fn "$image_dir/volume.img" >"$work/fsck.out" 2>&1; then
    echo "FAIL: e2fsck -fn finds the volume not clean after the run:" >&2
    head -40 "$work/fsck.out" >&2
    failed=1
fi
if [ $failed -ne 0 ]; then
    echo "--- osprey's stderr:" >&2
    tail -40 "$work/guest.err" >&2
else
    echo "ok: ${command[*]} (status $host_status, $(wc -l <"$work/host.out") lines of output)"
fi
exit $failed
