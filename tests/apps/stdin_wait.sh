#!/bin/bash
# Input that arrives while the program waits: epoll, poll and select on stdin wake when
# the host sends it, not before and not never. Osprey only: on the host a pipe's readiness
# is the pipe's business.
#
# The host sends each line only after the program has said it is about to wait (and a
# moment more, so that it is usually inside the wait). The result does not depend on that
# moment: a line that arrives before the wait makes the wait return at once with the same
# answer. What it must never do is send both lines before the program reads the first —
# a slow boot on a loaded machine did that once, and the two reads then saw one chunk.
#   stdin_wait.sh OSPREY PYTHON3
set -u
osprey=$1 python=$2
script='
import select, sys, os
def waiting(): print("waiting", flush=True)
ep = select.epoll()
ep.register(0, select.EPOLLIN)
waiting()
print("epoll:", [(fd, bool(ev & select.EPOLLIN)) for fd, ev in ep.poll(60)], flush=True)
print("line:", os.read(0, 100).decode().strip(), flush=True)
waiting()
print("select:", select.select([0], [], [], 60)[0], flush=True)
print("line:", os.read(0, 100).decode().strip(), flush=True)
p = select.poll()
p.register(0, select.POLLIN)
print("poll at the end:", [(fd, bool(ev & select.POLLIN)) for fd, ev in p.poll(60000)])
print("read at the end:", os.read(0, 100))
'
expected='waiting
epoll: [(0, True)]
line: first
waiting
select: [0]
line: second
poll at the end: [(0, True)]
read at the end: b'"''"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out
: >"$out"
# Waits (up to 90 s) until the program has printed "waiting" N times.
wait_for() {
    for _ in $(seq 900); do
        [ "$(grep -c '^waiting$' "$out")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
( wait_for 1 && sleep 0.3 && echo first && wait_for 2 && sleep 0.3 && echo second ) |
    "$osprey" run --timeout 150 "$python" -c "$script" >"$out"
status=$?
output=$(cat "$out")
if [ "$status" != 0 ] || [ "$output" != "$expected" ]; then
    echo "FAIL: status $status; output (< expected, > osprey):" >&2
    diff <(echo "$expected") <(echo "$output") >&2
    exit 1
fi
echo "ok: epoll, select and poll on stdin woke when input arrived"
