#!/bin/bash
# iperf3 against an iperf3 server on 127.0.0.1:$PORT: a 2-second run each way (-R: the
# server sends). Only checked: the run completes and both ends counted bytes; the figures
# themselves are not printed.
#
# After each test the iperf3 server closes its listening socket and opens a new one. A
# client that comes in between is refused, told the server is busy, or (through QEMU's
# port forward, which accepts before the guest does) finds the control connection closed
# or reset at once: on Linux as in the guest, the guest is only slower. A run that failed
# before its test started (no interval measured) is tried again, up to 5 times; an error
# once data flowed is reported as it is.
set -u
summarize() {
    python3 -c '
import json, sys
try:
    report = json.load(sys.stdin)
except Exception as e:
    print("no report (%s)" % type(e).__name__)
    sys.exit()
try:
    end = report["end"]
    sent, received = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    print("bytes sent > 0: %s, bytes received > 0: %s" % (sent > 0, received > 0))
except Exception as e:
    started = "started" if report.get("intervals") else "not started"
    print("no summary (%s): %s (%s)" % (type(e).__name__, report.get("error", "no error given"), started))
'
}
for direction in forward reverse; do
    flags=()
    [ $direction = reverse ] && flags=(-R)
    for attempt in 1 2 3 4 5; do
        if out=$(iperf3 -c 127.0.0.1 -p "$PORT" -t 2 -J "${flags[@]}" 2>&1); then status=completed; else status=failed; fi
        summary=$(printf '%s' "$out" | summarize)
        case "$summary" in
            *"(not started)"*) sleep 1 ;;
            *) break ;;
        esac
    done
    echo "$direction: $status, $summary"
done
