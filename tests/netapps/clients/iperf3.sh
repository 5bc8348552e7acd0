#!/bin/bash
# iperf3 against an iperf3 server on 127.0.0.1:$PORT: a 2-second run each way (-R: the
# server sends). Only checked: the run completes and both ends counted bytes; the figures
# themselves are not printed.
set -u
for direction in forward reverse; do
    flags=()
    [ $direction = reverse ] && flags=(-R)
    if out=$(iperf3 -c 127.0.0.1 -p "$PORT" -t 2 -J "${flags[@]}" 2>&1); then status=completed; else status=failed; fi
    summary=$(printf '%s' "$out" | python3 -c '
import json, sys
try:
    end = json.load(sys.stdin)["end"]
    sent, received = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    print("bytes sent > 0: %s, bytes received > 0: %s" % (sent > 0, received > 0))
except Exception as e:
    print("no summary (%s)" % type(e).__name__)
')
    echo "$direction: $status, $summary"
done
