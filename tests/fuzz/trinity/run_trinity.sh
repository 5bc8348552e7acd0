#!/bin/sh
# Runs Debian's trinity inside Osprey in rounds until SECONDS have passed (at least one
# round), and fails when the kernel did not survive one of them.
#
#   run_trinity.sh OSPREY KERNEL SECONDS [FIRST_SEED]
#
# A round is one VM: trinity with a fixed seed (FIRST_SEED, then one more each round),
# CHILDREN children and OPERATIONS system calls in all (trinity's -N counts the calls of
# every child together), which ends by itself. The kernel survives a round when osprey's
# exit status is neither 125 (osprey's own failure: "kernel panicked", "kernel hang" from
# the watchdog, or a VM that ended without an exit record) nor 124 (the round outlived its
# time limit: a kernel that stopped scheduling trinity; the state dump of every CPU and
# thread is in the log). Whatever trinity itself ends with is its own business (it
# exits 0 after its calls; a child it runs may die of anything).
#
# The VM has 1 GiB: with 512 MiB, six children and 30,000 calls ran the guest out of memory
# (seed 105); the kernel killed the faulting children as Linux's OOM killer would, and
# trinity's main process, alone with the idle threads, then ran in user mode until the
# round's limit (a 124 with the kernel still scheduling; most likely spinning on one of its
# shared-memory locks that a killed child held).
#
# Options given to trinity, and why:
#   --dangerous     trinity refuses to run as root without it; the guest is root, and
#                   nothing outside the VM can be harmed.
#   --arch 64       the 32-bit system-call entries (int 0x80) are not part of Osprey's ABI.
#   -l off          no log files per child: they would only fill the guest's memory.
#   --disable-fds=sockets
#                   trinity 1.9+git20230109 (Debian's) reads past its net_protocols table
#                   (45 entries, indexed with rnd() % 46) when it picks a protocol for a
#                   random setsockopt, and dereferences the word behind it (1): SIGSEGV at
#                   0x21. Its start-up sets options on each of its 50 cached sockets, up to
#                   100 tries each, so the main process dies there under any kernel with
#                   few socket families, before a child has run. Children still make
#                   sockets with socket() and socketpair() as random calls.
set -u
osprey=$1
kernel=$2
seconds=$3
seed=${4:-1}
children=${TRINITY_CHILDREN:-3}
operations=${TRINITY_OPERATIONS:-4000}
round_limit=${TRINITY_ROUND_LIMIT:-240}

log_dir=${TRINITY_LOG_DIR:-$(mktemp -d)}
mkdir -p "$log_dir"
start=$(date +%s)
round=0
while :; do
    round=$((round + 1))
    log="$log_dir/round$round.log"
    echo "trinity round $round: seed $seed, $children children, $operations calls (log: $log)"
    round_start=$(date +%s)
    "$osprey" run --kernel "$kernel" --timeout "$round_limit" --memory 1024 --cpus 2 -- /usr/bin/trinity \
        --dangerous --arch 64 -l off --disable-fds=sockets -q -s "$seed" -C "$children" -N "$operations" \
        >"$log" 2>&1
    status=$?
    now=$(date +%s)
    echo "  exit status $status after $((now - round_start)) s; trinity says: $(grep -a -E '^\[main\] Ran ' "$log" | tail -1)"
    if [ "$status" -eq 124 ] || [ "$status" -eq 125 ] ||
            grep -a -q -E 'kernel panicked|kernel hang|PANIC' "$log"; then
        tail -n 80 "$log"
        echo "FAIL: the kernel did not survive trinity (seed $seed, $children children, $operations calls); replay with:"
        echo "  $osprey run --kernel $kernel --timeout $round_limit --memory 1024 --cpus 2 -- /usr/bin/trinity --dangerous --arch 64 -l off --disable-fds=sockets -q -s $seed -C $children -N $operations"
        exit 1
    fi
    [ $((now - start)) -ge "$seconds" ] && break
    seed=$((seed + 1))
done
echo "PASS: the kernel survived $round round(s) of trinity in $(( $(date +%s) - start )) s"
