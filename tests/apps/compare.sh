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
#   --status N      the exit status expected of the host run (default 0)
#   --timeout S     osprey run --timeout (default 100)
set -u
osprey=$1
shift
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/)
guest_options=()
workdir=/ input=/dev/null scratch= expected=0 timeout=100
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
        -e) environment+=("$2"); guest_options+=(-e "$2"); shift 2 ;;
        -w) workdir=$2; guest_options+=(--workdir "$2"); shift 2 ;;
        --add) guest_options+=(--add "$2"); shift 2 ;;
        --stdin) input=$2; shift 2 ;;
        --scratch) scratch=$(mktemp -d /tmp/osprey-apps.XXXXXX); shift ;;
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
command=()
for word in "$@"; do
    command+=("${word//@SCRATCH@/$scratch}")
done
work=$(mktemp -d)
trap 'rm -rf "$work" ${scratch:+"$scratch"}' EXIT
# The guest first, while the scratch directory is still empty on the host.
[ -n "$scratch" ] && guest_options+=(--add "$scratch")
"$osprey" run --timeout "$timeout" "${guest_options[@]}" "${command[@]}" \
    <"$input" >"$work/guest.out" 2>"$work/guest.err"
guest_status=$?
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
if [ $failed -ne 0 ]; then
    echo "--- osprey's stderr:" >&2
    tail -40 "$work/guest.err" >&2
else
    echo "ok: ${command[*]} (status $host_status, $(wc -l <"$work/host.out") lines of output)"
fi
exit $failed
