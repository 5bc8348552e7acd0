#!/bin/bash
# Runs one busybox applet on the host and the same applet inside Osprey (`osprey run`, one
# applet per run) on identical copies of the test tree, and checks both give the same
# stdout (after an optional normalising filter) and exit status, and with --stderr the same
# stderr. The tree is made fresh by make_tree.sh in a directory outside /tmp (the guest gets
# it with --add at the same path, so paths in the output agree); the host runs after the
# guest on the same copy, so a mutating applet starts from the same state in both.
#   bb_compare.sh OSPREY BUSYBOX WORKDIR [--stderr] [--filter 'SHELL PIPELINE'] -- APPLET [ARGS...]
# In ARGS, @T@ stands for the tree and @TMP@ for a fresh path prefix under /tmp
# (/tmp/osprey-bb-PID; nothing exists there at the start, on the host or in the guest).
set -u
osprey=$1 busybox=$2 work=$3
shift 3
compare_stderr=0 filter=cat
while [ "$1" != "--" ]; do
    case "$1" in
        --stderr) compare_stderr=1; shift ;;
        --filter) filter=$2; shift 2 ;;
        *) echo "bb_compare.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
shift
here=$(cd "$(dirname "$0")" && pwd)
work=$work/$$
tree=$work/tree
tmp=/tmp/osprey-bb-$$
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work" "$tmp"*' EXIT
"$here/make_tree.sh" "$busybox" "$tree" || exit 2

args=()
for a in "$@"; do
    a=${a//@T@/$tree}
    a=${a//@TMP@/$tmp}
    args+=("$a")
done

"$osprey" run --timeout 120 -e TZ=UTC --add "$tree" "$busybox" "${args[@]}" \
    >"$work/guest.raw" 2>"$work/guest.err" </dev/null
guest_status=$?
(cd / && env -i TZ=UTC "$busybox" "${args[@]}") >"$work/host.raw" 2>"$work/host.err" </dev/null
host_status=$?
bash -c "$filter" <"$work/guest.raw" >"$work/guest.out"
bash -c "$filter" <"$work/host.raw" >"$work/host.out"

failed=0
if [ "$host_status" != "$guest_status" ]; then
    echo "FAIL: exit status $guest_status in Osprey, $host_status on the host" >&2
    failed=1
fi
if ! cmp -s "$work/host.out" "$work/guest.out"; then
    echo "FAIL: stdout differs (< host, > osprey):" >&2
    diff "$work/host.out" "$work/guest.out" | head -40 >&2
    failed=1
fi
if [ $compare_stderr = 1 ] && ! cmp -s "$work/host.err" "$work/guest.err"; then
    echo "FAIL: stderr differs (< host, > osprey):" >&2
    diff "$work/host.err" "$work/guest.err" | head -20 >&2
    failed=1
fi
echo "busybox ${args[*]}"
if [ $failed -ne 0 ]; then
    echo "--- osprey's stderr:" >&2
    head -50 "$work/guest.err" >&2
else
    echo "ok: status $host_status, $(wc -c <"$work/host.out") bytes of output"
fi
exit $failed
