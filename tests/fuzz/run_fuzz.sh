#!/bin/sh
# Runs one libFuzzer target for a while from its seed corpus:
#   run_fuzz.sh TARGET SEED_CORPUS WORK_CORPUS SECONDS
# New inputs the fuzzer keeps go to WORK_CORPUS (in the build tree); a crash, leak or
# sanitizer report fails the test and leaves the input that caused it there as crash-*,
# with the command that replays it. The output goes to WORK_CORPUS.log, beside the corpus:
# inside it, the next run would take the log for an input.
set -eu
target=$1 seeds=$2 work=$3 seconds=$4
log=$work.log
[ -x "$target" ] || { echo "FAIL: $target was not built" >&2; exit 1; }
mkdir -p "$work"
rm -f "$work/log"  # where earlier versions of this script wrote it
cd "$work"
if "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/" "$work" "$seeds" >"$log" 2>&1; then
    tail -n 12 "$log" | grep -E '^(stat::|Done|#)' | tail -n 4
    exit 0
fi
tail -n 60 "$log" >&2
for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$crash" ] && echo "FAIL: replay with: $target $crash" >&2
done
exit 1
