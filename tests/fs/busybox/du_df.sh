#!/bin/bash
# du and df inside Osprey give figures consistent with the files (block counts legitimately
# differ from the host's file system, so they are checked, not compared):
#   - `du -a TREE` lists the same paths as on the host (of a file's hard links it lists
#     the first it meets, so which name depends on the directory order: both count as one);
#   - `du -sk TREE` is at least the files' apparent size (hard links counted once) and at most
#     that plus 8 KiB per entry;
#   - `df -k /tmp TREE`: /tmp and / as mount points, Used <= 1K-blocks, Available <= 1K-blocks,
#     Use% = Used * 100 / (Used + Available) rounded to the nearest as busybox computes it
#     (used * 100 + (used + avail) / 2) / (used + avail), 1K-blocks > 0.
#   du_df.sh OSPREY BUSYBOX WORKDIR
set -u
osprey=$1 busybox=$2 work=$3/$$
here=$(cd "$(dirname "$0")" && pwd)
tree=$work/tree
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
"$here/make_tree.sh" "$busybox" "$tree" || exit 2
run() { "$osprey" run --timeout 120 --add "$tree" "$busybox" "$@" </dev/null 2>"$work/guest.err"; }
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

one_name='s#/(fruit\.txt|data/fruit_hardlink\.txt)$#/(fruit.txt or its hard link)#'
guest_paths=$(run du -a "$tree" | cut -f2 | sed -E "$one_name" | sort) || fail "du -a exited $?"
host_paths=$("$busybox" du -a "$tree" | cut -f2 | sed -E "$one_name" | sort)
[ "$guest_paths" = "$host_paths" ] || { fail "du -a lists other paths:"; diff <(echo "$host_paths") <(echo "$guest_paths") >&2; }

apparent=$(find "$tree" -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')
entries=$(find "$tree" | wc -l)
total_k=$(run du -sk "$tree" | cut -f1) || fail "du -sk exited $?"
if ! [[ "$total_k" =~ ^[0-9]+$ ]]; then
    fail "du -sk printed '$total_k'"
elif [ $((total_k * 1024)) -lt "$apparent" ] || [ $((total_k * 1024)) -gt $((apparent + entries * 8192)) ]; then
    fail "du -sk says $total_k KiB for $apparent bytes in $entries entries"
else
    echo "ok: du -sk $total_k KiB for $apparent bytes of files in $entries entries"
fi

df_out=$(run df -k /tmp "$tree") || fail "df exited $?"
echo "$df_out"
echo "$df_out" | awk -v tree="$tree" '
    NR == 1 { next }
    {
        blocks = $2; used = $3; avail = $4; pct = $5; mount = $6
        want = NR == 2 ? "/tmp" : "/"
        if (mount != want) { print "FAIL: df line " NR - 1 " mounted on " mount ", expected " want; bad = 1 }
        if (blocks <= 0 || used > blocks || avail > blocks) { print "FAIL: df figures " $0; bad = 1 }
        expect = used + avail > 0 ? int((used * 100 + int((used + avail) / 2)) / (used + avail)) : 0
        if (pct != expect "%") { print "FAIL: df Use% " pct ", expected " expect "% from " used " and " avail; bad = 1 }
    }
    END { if (NR != 3) { print "FAIL: df printed " NR " lines"; bad = 1 } exit bad }' >&2 || failed=1
[ $failed = 0 ] && echo "ok: df figures consistent for /tmp and /"
[ $failed = 0 ] || { echo "--- osprey's stderr:" >&2; cat "$work/guest.err" >&2; }
exit $failed
