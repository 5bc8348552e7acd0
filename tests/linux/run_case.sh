#!/bin/bash
# Runs one Linux ABI test case on the host, the reference for what a guest run must print.
#   run_case.sh STATUS EXPECTED_PREFIX exact|ignore [NAME=VALUE...] -- BINARY [ARGS...]
# The program gets exactly the NAME=VALUE entries as its environment. Checks that it ends
# with STATUS (128+signal for a fatal signal, as a shell reports it) and stores its stdout
# and stderr in EXPECTED_PREFIX.stdout and .stderr for guest runs to compare with. With
# "exact", runs it a second time and checks that stdout is the same, so nothing
# run-dependent (addresses, timings) leaks into what the guest is compared against.
set -u
if [ $# -lt 5 ]; then
    echo "usage: $0 STATUS PREFIX exact|ignore [NAME=VALUE...] -- BINARY [ARGS...]" >&2
    exit 2
fi
status=$1 prefix=$2 mode=$3
shift 3
environment=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    environment+=("$1")
    shift
done
if [ $# -lt 2 ]; then
    echo "run_case: missing -- BINARY" >&2
    exit 2
fi
shift
command=("$@")

ulimit -c 0  # No core files from the cases that die of a signal.
mkdir -p "$(dirname "$prefix")"

# Prints the program's exit status as a shell reports it: 128+signal when killed, 124 when
# it ran past a minute (no case takes a second on the host).
run() {
    timeout --kill-after=5 60 env -i "${environment[@]}" "${command[@]}" >"$1" 2>"$2" </dev/null
    echo $?
}

# One attempt: the run whose output is kept, and with "exact" a second to compare it with.
# Prints why it failed on stderr.
attempt() {
    local actual failed=0
    actual=$(run "$prefix.stdout" "$prefix.stderr")
    if [ "$actual" != "$status" ]; then
        echo "FAIL: ${command[*]}: exit status $actual, expected $status" >&2
        failed=1
    fi
    if [ "$mode" = exact ]; then
        local again again_stderr
        again=$(mktemp)
        again_stderr=$(mktemp)
        run "$again" "$again_stderr" >/dev/null
        if ! cmp -s "$prefix.stdout" "$again"; then
            echo "FAIL: ${command[*]}: stdout differs between two runs:" >&2
            diff "$prefix.stdout" "$again" >&2
            failed=1
        fi
        rm -f "$again" "$again_stderr"
    fi
    return $failed
}

# This is Linux's answer, not Osprey's: a case whose host run lost a race with the rest of
# a loaded host (a timing the case waits on, a pid reused) gets one more attempt, and what
# the first one showed stays in the log.
failed=0
if ! attempt; then
    echo "run_case: the host's run failed (above); trying once more" >&2
    attempt || failed=1
fi
echo "--- stdout ($prefix.stdout)"
cat "$prefix.stdout"
echo "--- stderr ($prefix.stderr)"
cat "$prefix.stderr"
exit $failed
