# busybox ps, which lists the processes from /proc/<pid>/{stat,cmdline}: run by busybox sh
# beside a background sleep. Only what is the same on the host and in Osprey is printed:
# the rows of this shell's own processes, by their relation to it, never a pid.
# $1: a scratch directory, $2: busybox's path. Compared with the host's run.
scratch=$1
bb=$2
$bb sleep 5 &
kid=$!
# The child runs sleep (not yet the forked shell) and has gone to sleep: wait for both,
# as the host's scheduler and Osprey's do not order them the same way.
tries=0
until $bb tr '\0' ' ' <"/proc/$kid/cmdline" | $bb grep -q ' sleep 5' &&
    [ "$($bb cut -d ' ' -f 3 "/proc/$kid/stat")" = S ]; do
    tries=$((tries + 1))
    [ $tries -gt 500 ] && break
    $bb usleep 10000
done
echo "the sleep is asleep: $([ $tries -le 500 ] && echo yes || echo no)"
$bb ps -o pid,ppid,stat,comm,args >"$scratch/ps"
$bb awk -v me=$$ -v kid=$kid '
    NR == 1 { print "header: " $0 }
    $1 == me { print "the shell: listed, comm " $4 }
    $1 == kid { print "the sleep: child of the shell " ($2 == me) ", state " $3 ", comm " $4 ", args " $5 " " $6 " " $7 }
    $2 == me && $1 != kid { print "ps itself: state " $3 ", args " $5 " " $6 " " $7 }
' "$scratch/ps"
$bb ps | $bb awk -v kid=$kid '$1 == kid { print "plain ps lists the sleep: " $3 " " $4 " " $5 }'
echo "own directory: $([ -d /proc/$$ ] && echo yes), comm $($bb cat /proc/$$/comm), self is the reader: $([ "$($bb readlink /proc/self)" != $$ ] && echo yes)"
kill $kid
wait $kid
echo "the sleep killed: status $?"
echo "its directory gone: $([ -e /proc/$kid ] && echo no || echo yes)"
