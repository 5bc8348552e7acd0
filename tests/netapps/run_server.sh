#!/bin/bash
# Runs a real server and a client script against it over TCP, and captures the client's
# transcript; in guest mode the server runs inside Osprey behind `osprey run -p` and the
# transcript must equal the reference (host mode) one.
#
#   run_server.sh host  [OPTIONS] -- SERVER [ARGS...]
#   run_server.sh guest OSPREY [OPTIONS] -- SERVER [ARGS...]
#
# For a server case (the default), the harness picks a free port HOSTPORT on 127.0.0.1 and
# starts SERVER on the host listening on it (host mode), or `osprey run -p HOSTPORT:GUESTPORT
# --timeout N SERVER ARGS` with the server listening on GUESTPORT in the guest (guest mode).
# It waits (bounded) until the probe succeeds against 127.0.0.1:HOSTPORT, runs the client
# with PORT=HOSTPORT and HOST=127.0.0.1 in its environment, and stops the server (SIGTERM;
# for osprey that ends the VM; SIGKILL if it lingers). Every process it started is ended on
# any exit (trap). Nothing but 127.0.0.1 is ever contacted.
#
# With --client-in-guest the roles turn: the server always runs on the host (on
# 127.0.0.1:HOSTPORT) and the CLIENT runs on the host (host mode) or inside Osprey (guest
# mode, with a network device), where it reaches the host's loopback as 10.0.2.2 through
# QEMU user networking. In the client's words @HOST@ and @PORT@ are replaced.
#
# In SERVER's words (and --probe/--client commands):
#   @PORT@     the port the server listens on (HOSTPORT on the host, GUESTPORT in the guest)
#   @BIND@     the address it binds: 127.0.0.1 on the host, 0.0.0.0 in the guest (QEMU
#              forwards to the guest's own address)
#   @SCRATCH@  an empty directory made for this run under /tmp, the same path in both modes
#              (added to the guest's image; writable there, on its /tmp tmpfs)
# Options:
#   --client CMD         the client, run by bash -c with PORT and HOST set; its stdout is the
#                        transcript and it must exit 0 (required)
#   --probe CMD          readiness check, run by bash -c with PORT set until it exits 0
#                        (default: probe.py PORT, an HTTP request that must get an answer;
#                        QEMU accepts forwarded connections before the guest listens, so a
#                        bare connect proves nothing: a probe needs the server's answer)
#   --ready-timeout S    how long to wait for the probe (default 60 host, 180 guest)
#   --guest-port N       the port inside the guest (default 8080)
#   --timeout S          osprey run --timeout (default 300)
#   --add PATH           a file or directory the server needs at the same path in the guest
#   --define NAME=VALUE  replace @NAME@ too, in words and templates
#   --template FILE      copy FILE into @SCRATCH@ (same name) with the placeholders replaced:
#                        configuration files that must name the port or the scratch directory
#   -e NAME=VALUE        environment of the server (both modes)
#   -w DIR               the server's working directory (both modes; default @SCRATCH@)
#   --reference FILE     host mode: store the transcript here
#   --expected FILE      guest mode: the transcript must equal this file
#   --client-in-guest    see above
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}
shift || true
osprey=
case "$mode" in
    host) ;;
    guest) osprey=$1; shift ;;
    *) echo "usage: run_server.sh host|guest [OSPREY] [OPTIONS] -- SERVER [ARGS...]" >&2; exit 2 ;;
esac

client= probe= ready_timeout= guest_port=8080 timeout=300 reference= expected= workdir=
client_in_guest=0
adds=() environment=() defines=() templates=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
        --client) client=$2; shift 2 ;;
        --probe) probe=$2; shift 2 ;;
        --ready-timeout) ready_timeout=$2; shift 2 ;;
        --guest-port) guest_port=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --add) adds+=("$2"); shift 2 ;;
        --define) defines+=("$2"); shift 2 ;;
        --template) templates+=("$2"); shift 2 ;;
        -e) environment+=("$2"); shift 2 ;;
        -w) workdir=$2; shift 2 ;;
        --reference) reference=$2; shift 2 ;;
        --expected) expected=$2; shift 2 ;;
        --client-in-guest) client_in_guest=1; shift ;;
        *) echo "run_server.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ $# -lt 2 ] || [ -z "$client" ]; then
    echo "run_server.sh: need --client CMD and -- SERVER [ARGS...]" >&2
    exit 2
fi
shift
[ -z "$ready_timeout" ] && { [ "$mode" = guest ] && ready_timeout=180 || ready_timeout=60; }

work=$(mktemp -d /tmp/osprey-netapps.XXXXXX)
scratch=$work/scratch
mkdir -p "$scratch"
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 "$here/probe.py" --free-port; }

# Substitutes the placeholders in one word.
expand() {
    local word=$1 port=$2 bind=$3 host=$4
    word=${word//@PORT@/$port}
    word=${word//@BIND@/$bind}
    word=${word//@SCRATCH@/$scratch}
    word=${word//@HOST@/$host}
    local d
    for d in "${defines[@]}"; do
        word=${word//@${d%%=*}@/${d#*=}}
    done
    printf '%s' "$word"
}

host_port=$(free_port)
if [ "$client_in_guest" -eq 1 ]; then
    server_port=$host_port server_bind=127.0.0.1 run_guest_server=0
elif [ "$mode" = guest ]; then
    server_port=$guest_port server_bind=0.0.0.0 run_guest_server=1
else
    server_port=$host_port server_bind=127.0.0.1 run_guest_server=0
fi
server=()
for word in "$@"; do
    server+=("$(expand "$word" "$server_port" "$server_bind" 127.0.0.1)")
done
[ -z "$workdir" ] && workdir=$scratch
workdir=$(expand "$workdir" "$server_port" "$server_bind" 127.0.0.1)
env_words=()
for e in "${environment[@]}"; do
    env_words+=("$(expand "$e" "$server_port" "$server_bind" 127.0.0.1)")
done

for t in "${templates[@]}"; do
    expand "$(cat "$t")" "$server_port" "$server_bind" 127.0.0.1 >"$scratch/$(basename "$t")"
done

# Start the server, in the background, its output in files.
if [ "$run_guest_server" -eq 1 ]; then
    options=(-p "$host_port:$guest_port" --timeout "$timeout" --add "$scratch" -w "$workdir")
    for a in "${adds[@]}"; do options+=(--add "$a"); done
    for e in "${env_words[@]}"; do options+=(-e "$e"); done
    "$osprey" run "${options[@]}" "${server[@]}" </dev/null >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
else
    (cd "$workdir" && exec env "${env_words[@]}" "${server[@]}") </dev/null >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
fi

show_server_output() {
    echo "--- server stdout (last lines):" >&2
    tail -20 "$work/server.out" >&2
    echo "--- server stderr (last lines):" >&2
    tail -40 "$work/server.err" >&2
}

# Wait until it answers.
[ -z "$probe" ] && probe="python3 '$here/probe.py' \"\$PORT\""
deadline=$((SECONDS + ready_timeout))
ready=0
while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "FAIL: the server exited before it was ready" >&2
        show_server_output
        exit 1
    fi
    if PORT=$host_port bash -c "$probe" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.5
done
if [ $ready -eq 0 ]; then
    echo "FAIL: the server did not answer on 127.0.0.1:$host_port within ${ready_timeout}s" >&2
    show_server_output
    exit 1
fi

# Run the client.
if [ "$client_in_guest" -eq 1 ] && [ "$mode" = guest ]; then
    # The client is a program run inside Osprey: its words, with @HOST@ the host as the guest
    # sees it. It needs a network device: a forward of a second free port gives it one.
    words=()
    read -r -a raw <<<"$client"
    for word in "${raw[@]}"; do
        words+=("$(expand "$word" "$host_port" "$server_bind" 10.0.2.2)")
    done
    options=(-p "$(free_port):9" --timeout "$timeout" --add "$scratch")
    for a in "${adds[@]}"; do options+=(--add "$a"); done
    "$osprey" run "${options[@]}" "${words[@]}" </dev/null >"$work/transcript" 2>"$work/client.err"
    client_status=$?
elif [ "$client_in_guest" -eq 1 ]; then
    words=()
    read -r -a raw <<<"$client"
    for word in "${raw[@]}"; do
        words+=("$(expand "$word" "$host_port" "$server_bind" 127.0.0.1)")
    done
    "${words[@]}" </dev/null >"$work/transcript" 2>"$work/client.err"
    client_status=$?
else
    PORT=$host_port HOST=127.0.0.1 SCRATCH=$scratch bash -c "$client" </dev/null \
        >"$work/transcript" 2>"$work/client.err"
    client_status=$?
fi

failed=0
if [ $client_status -ne 0 ]; then
    echo "FAIL: the client exited with $client_status; its stderr:" >&2
    tail -40 "$work/client.err" >&2
    failed=1
fi
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the server died while the client ran" >&2
    failed=1
fi
if [ "$mode" = host ] && [ -n "$reference" ]; then
    mkdir -p "$(dirname "$reference")"
    cp "$work/transcript" "$reference"
fi
if [ "$mode" = guest ] && [ -n "$expected" ] && ! cmp -s "$expected" "$work/transcript"; then
    echo "FAIL: the transcript differs from the host's (< host, > osprey):" >&2
    diff "$expected" "$work/transcript" >&2
    failed=1
fi
echo "--- transcript:"
cat "$work/transcript"
if [ $failed -ne 0 ]; then
    show_server_output
    exit 1
fi
echo "ok: $mode mode, $(wc -l <"$work/transcript") transcript lines"
exit 0
