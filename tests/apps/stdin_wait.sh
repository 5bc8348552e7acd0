#!/bin/bash
# Input that arrives while the program waits: epoll, poll and select on stdin wake when
# the host sends it (a line one second after the start), not before and not never. Osprey
# only: on the host a pipe's readiness is the pipe's business.
#   stdin_wait.sh OSPREY PYTHON3
set -u
osprey=$1 python=$2
script='
import select, sys, os
ep = select.epoll()
ep.register(0, select.EPOLLIN)
print("epoll:", [(fd, bool(ev & select.EPOLLIN)) for fd, ev in ep.poll(30)])
print("line:", os.read(0, 100).decode().strip())
print("select:", select.select([0], [], [], 30)[0])
print("line:", os.read(0, 100).decode().strip())
p = select.poll()
p.register(0, select.POLLIN)
print("poll at the end:", [(fd, bool(ev & select.POLLIN)) for fd, ev in p.poll(30000)])
print("read at the end:", os.read(0, 100))
'
expected='epoll: [(0, True)]
line: first
select: [0]
line: second
poll at the end: [(0, True)]
read at the end: b'"''"
output=$( (sleep 1; echo first; sleep 1; echo second) | "$osprey" run --timeout 60 "$python" -c "$script")
status=$?
if [ "$status" != 0 ] || [ "$output" != "$expected" ]; then
    echo "FAIL: status $status; output (< expected, > osprey):" >&2
    diff <(echo "$expected") <(echo "$output") >&2
    exit 1
fi
echo "ok: epoll, select and poll on stdin woke when input arrived"
