# busybox sh with several processes: pipelines, subshells, command substitution, background
# jobs and wait, exit statuses, a nested shell and a script run through "#!". The applets
# are run as "busybox NAME" (the image has no applet links). $1: a scratch directory, $2:
# busybox's path. Compared with the host's run.
scratch=$1
bb=$2
echo "pipeline: $(echo one two three | $bb tr ' ' '\n' | $bb sort -r | $bb head -n 2 | $bb tr '\n' ' ')"
echo "arithmetic through a pipe: $(echo 6 7 | $bb awk '{ print $1 * $2 }')"
x=$( (echo in a subshell; exit 0) )
echo "command substitution: $x"
(exit 3)
echo "subshell status: $?"
for i in 1 2 3 4; do
    ( $bb sleep 0.0$((5 - i)); echo "job $i ran" >"$scratch/job$i" ) &
done
wait
echo "background jobs done: $($bb cat "$scratch"/job1 "$scratch"/job2 "$scratch"/job3 "$scratch"/job4 | $bb tr '\n' ' ')"
$bb sh -c 'exit 7'
echo "nested shell status: $?"
/no/such/program 2>/dev/null
echo "missing program status: $?"
echo "files: $(echo a b c | $bb wc -w)"
script=$scratch/script.sh
printf '#!%s sh\necho "script got $# arguments: $*"\nexit 4\n' "$bb" >"$script"
$bb chmod +x "$script"
"$script" first second
echo "script status: $?"
i=0
while [ $i -lt 50 ]; do i=$((i + 1)); $bb true; done
echo "50 commands run"
