#!/bin/bash
# Debian's sqlite3 on a persistent ext4 volume (docs/storage.md): the database outlives the
# VM. Three runs of the same image, each a new VM:
#   1. sqlite_volume_write.sql fills a new database on a volume osprey creates (10,100
#      rows in 110 commits, overflow pages, updates, deletes, a rollback);
#   2. sqlite_volume_query.sql asks what is there, then sqlite_volume_change.sql changes
#      it through the TRUNCATE, PERSIST and WAL journal modes and VACUUMs it;
#   3. sqlite_volume_query.sql again.
# Each run's output must equal, byte for byte, the same scripts run by the host's sqlite3
# on a database file of the host. Then the host judges the image: e2fsck -fn clean after
# the first and the last run, nothing left but the database (no journal, no WAL), and the
# file debugfs copies out is the host's database byte for byte (SQLite's file is a
# function of the statements the same build ran) and answers the queries the same.
#   sqlite_volume.sh OSPREY SQLITE3
set -u
osprey=$1 sqlite3=$2
scripts=$(cd "$(dirname "$0")" && pwd)/scripts
# sqlite3 fsyncs at every commit, and every guest flush is an fsync of the image on the
# host: /dev/shm keeps those cheap.
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
image=$work/volume.img

host() {  # host NAME SCRIPT...: the scripts through the host's sqlite3 on host.db
    local name=$1; shift
    cat "$@" | "$sqlite3" -batch "$work/host.db" >"$work/$name.host" 2>&1 ||
        { cat "$work/$name.host"; fail "the host's sqlite3 failed the $name scripts"; }
}
guest() {  # guest NAME SCRIPT...: the same in a VM with the volume on /data
    local name=$1; shift
    cat "$@" | "$osprey" run --timeout 120 --volume-size 64M --volume "$image:/data" \
        "$sqlite3" -batch /data/test.db >"$work/$name.guest" 2>"$work/$name.err" ||
        { cat "$work/$name.guest" "$work/$name.err"; fail "the $name run failed"; }
    cmp -s "$work/$name.host" "$work/$name.guest" ||
        { diff "$work/$name.host" "$work/$name.guest"; tail -20 "$work/$name.err"; fail "the $name run printed something else than the host (< host, > osprey)"; }
}
check_image() {
    e2fsck -fn "$image" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck after the $1 run"; }
    ! dumpe2fs -h "$image" 2>/dev/null | grep -q needs_recovery || fail "the journal needs recovery after the $1 run"
}

host write "$scripts/sqlite_volume_write.sql"
host change "$scripts/sqlite_volume_query.sql" "$scripts/sqlite_volume_change.sql"
host query "$scripts/sqlite_volume_query.sql"

guest write "$scripts/sqlite_volume_write.sql"
grep -q "created .*volume.img" "$work/write.err" || { cat "$work/write.err"; fail "osprey did not create the image"; }
check_image write
guest change "$scripts/sqlite_volume_query.sql" "$scripts/sqlite_volume_change.sql"
guest query "$scripts/sqlite_volume_query.sql"
check_image query

files=$(debugfs -R "ls -p /" "$image" 2>/dev/null | cut -d/ -f6 | grep -v -e '^\.\.\?$' -e '^lost+found$' -e '^$' | tr '\n' ' ')
[ "$files" = "test.db " ] || fail "the volume holds '$files', expected the database alone"
debugfs -R "dump /test.db $work/copy.db" "$image" >/dev/null 2>&1 || fail "debugfs dump"
cmp "$work/host.db" "$work/copy.db" || fail "the database copied out of the image differs from the host's"
"$sqlite3" -batch "$work/copy.db" <"$scripts/sqlite_volume_query.sql" >"$work/copy.out" 2>&1 || fail "the host's sqlite3 on the copy"
cmp -s "$work/query.host" "$work/copy.out" || { diff "$work/query.host" "$work/copy.out"; fail "the copy answers differently"; }
echo "ok: sqlite3 on a volume, three VM runs equal to the host's, e2fsck clean, the copied-out database the host's byte for byte"
