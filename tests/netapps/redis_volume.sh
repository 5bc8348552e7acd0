#!/bin/bash
# Debian's redis-server keeping its data on a persistent ext4 volume (docs/storage.md):
# keys set over the port forward come back in the next VM started on the same image.
#   AOF: `--appendonly yes --appendfsync always`. Keys set, the AOF rewritten in a forked
#        child (BGREWRITEAOF: a new base file, renames, the old files removed), more keys
#        set, SHUTDOWN; a second VM loads base and increment and has them all. Then a
#        crash: a key set, the VM killed (QEMU stopped, the journal left live); the third
#        VM's mount replays the journal and redis has that key too.
#   RDB: `--appendonly no --save ""`. Keys set, BGSAVE (a forked child), more keys, SAVE,
#        one key more, SHUTDOWN NOSAVE; the second VM loads dump.rdb: everything up to
#        the SAVE, not the key after it.
# After the clean stops e2fsck -fn finds each image clean, and the host's redis-check-aof
# and redis-check-rdb accept the files debugfs copies out.
#   redis_volume.sh OSPREY REDIS_SERVER REDIS_CLI
set -u
osprey=$1 redis_server=$2 redis_cli=$3
here=$(cd "$(dirname "$0")" && pwd)
# appendfsync always: every write an fsync of the image on the host; /dev/shm keeps it cheap.
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$work/server.err" ] && { echo "--- osprey's stderr:"; tail -30 "$work/server.err"; }
    exit 1
}
port=$(python3 "$here/probe.py" --free-port)
r() { "$redis_cli" -p "$port" "$@"; }

start() {  # start IMAGE REDIS_OPTIONS...: redis-server in a VM with IMAGE on /data
    local image=$1; shift
    "$osprey" run --verbose --timeout 120 -p "$port:6379" --volume-size 64M --volume "$image:/data" \
        "$redis_server" --bind 0.0.0.0 --port 6379 --dir /data --protected-mode no --daemonize no "$@" \
        </dev/null >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    local deadline=$((SECONDS + 90))
    until r PING 2>/dev/null | grep -q PONG; do
        kill -0 "$server_pid" 2>/dev/null || fail "the server exited before it answered"
        [ $SECONDS -lt $deadline ] || fail "the server did not answer on 127.0.0.1:$port"
        sleep 0.3
    done
}
wait_exit() {  # wait_exit WHAT: the VM must end by itself, with status 0
    local deadline=$((SECONDS + 60))
    while kill -0 "$server_pid" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || fail "the VM did not end after $1"
        sleep 0.2
    done
    wait "$server_pid"
    local status=$?
    server_pid=
    [ $status -eq 0 ] || fail "osprey exited with $status after $1"
}
wait_info() {  # wait_info FIELD:VALUE: until INFO persistence says so
    local deadline=$((SECONDS + 60))
    until r INFO persistence | tr -d '\r' | grep -qx "$1"; do
        [ $SECONDS -lt $deadline ] || fail "INFO persistence never said $1"
        sleep 0.2
    done
}
check_image() {
    e2fsck -fn "$1" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck: $2"; }
}
expect() {  # expect WHAT EXPECTED ACTUAL
    [ "$2" = "$3" ] || { diff <(echo "$2") <(echo "$3"); fail "$1 (< expected, > redis)"; }
}

# Keys of several types and 2,000 strings through --pipe; a 100 KB value.
fill() {
    for i in $(seq 1 2000); do
        key="key:$i" val="value-$i"
        printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' ${#key} "$key" ${#val} "$val"
    done >"$work/pipe"
    r --pipe <"$work/pipe" | tail -1
    r RPUSH list a b c
    r HSET hash name osprey kind unikernel
    r INCRBY counter 42
    head -c 100000 /dev/zero | tr '\0' 'x' | r -x SET big
}
fill_expected="errors: 0, replies: 2000
3
2
42
OK"
# What the second VM is asked, and what it must answer.
ask() {
    r DBSIZE
    r GET key:1
    r GET key:1999
    r EXISTS key:5
    r LRANGE list 0 -1
    r HGET hash kind
    r GET counter
    r STRLEN big
    r GET later
}

# --- AOF ---------------------------------------------------------------------------------
image=$work/aof.img
aof=(--appendonly yes --appendfsync always --save "")
start "$image" "${aof[@]}"
grep -q "created .*aof.img" "$work/server.err" || fail "osprey did not create the image"
expect "filling the AOF server" "$fill_expected" "$(fill)"
r BGREWRITEAOF >/dev/null
wait_info aof_rewrite_in_progress:0
wait_info aof_rewrite_scheduled:0
wait_info aof_last_bgrewrite_status:ok
# After the rewrite: in the new increment file, on top of the new base.
expect "writes after the rewrite" "1
43
OK" "$(r DEL key:5; r INCR counter; r SET later yes)"
r SHUTDOWN >/dev/null 2>&1
wait_exit "SHUTDOWN (AOF)"
check_image "$image" "after the AOF server's SHUTDOWN"

aof_answers="2004
value-1
value-1999
0
a
b
c
unikernel
43
100000
yes"
start "$image" "${aof[@]}"
expect "the AOF server restarted on the volume" "$aof_answers" "$(ask)"
# A crash: acknowledged with appendfsync always, so on the disk; QEMU stopped under it.
expect "writes before the crash" "OK
44" "$(r SET crash survived; r INCR counter)"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=
dumpe2fs -h "$image" 2>/dev/null | grep -q needs_recovery || fail "the killed VM left no journal to replay"
start "$image" "${aof[@]}"
grep -q "journal replayed" "$work/server.err" || fail "the mount after the crash did not replay the journal"
expect "the AOF server after the crash" "2005
survived
44" "$(r DBSIZE; r GET crash; r GET counter)"
r SHUTDOWN >/dev/null 2>&1
wait_exit "SHUTDOWN (AOF, after the crash)"
check_image "$image" "after the crash and the last SHUTDOWN"
mkdir "$work/aof"
debugfs -R "rdump /appendonlydir $work/aof" "$image" >/dev/null 2>&1 || fail "debugfs rdump"
manifest=$work/aof/appendonlydir/appendonly.aof.manifest
[ -f "$manifest" ] || fail "no AOF manifest on the volume"
(cd "$work/aof/appendonlydir" && redis-check-aof appendonly.aof.manifest) >"$work/check.out" 2>&1 ||
    { cat "$work/check.out"; fail "redis-check-aof refuses the AOF copied out of the image"; }

# --- RDB ---------------------------------------------------------------------------------
image=$work/rdb.img
rdb=(--appendonly no --save "")
start "$image" "${rdb[@]}"
expect "filling the RDB server" "$fill_expected" "$(fill)"
r BGSAVE >/dev/null
wait_info rdb_bgsave_in_progress:0
wait_info rdb_last_bgsave_status:ok
expect "writes between BGSAVE and SAVE" "1
43
OK
OK
OK" "$(r DEL key:5; r INCR counter; r SET later yes; r SAVE; r SET lost "set after the SAVE")"
r SHUTDOWN NOSAVE >/dev/null 2>&1
wait_exit "SHUTDOWN NOSAVE (RDB)"
check_image "$image" "after the RDB server's SHUTDOWN"
start "$image" "${rdb[@]}"
expect "the RDB server restarted on the volume" "$aof_answers
0" "$(ask; r EXISTS lost)"
r SHUTDOWN NOSAVE >/dev/null 2>&1
wait_exit "SHUTDOWN NOSAVE (RDB, second run)"
check_image "$image" "after the second RDB run"
debugfs -R "dump /dump.rdb $work/dump.rdb" "$image" >/dev/null 2>&1 || fail "debugfs dump"
redis-check-rdb "$work/dump.rdb" >"$work/check.out" 2>&1 ||
    { cat "$work/check.out"; fail "redis-check-rdb refuses the RDB copied out of the image"; }
echo "ok: redis on a volume: AOF (with a rewrite and a crash) and RDB reloaded by the next VM; images e2fsck-clean"
