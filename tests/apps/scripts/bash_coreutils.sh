# Debian's bash running coreutils, with every way bash starts processes: pipelines,
# subshells, command substitution, background jobs and wait, functions, a here-document,
# the status of a failed command, exec redirections, process substitution (/dev/fd/N in
# the child) and a piped stdin read as /dev/stdin. $1: a scratch directory, $2: the
# test data (make_data.sh). Compared with the host's run.
set -u
scratch=$1
data=$2
cd "$scratch" || exit 1

echo "pipeline: $(seq 1 100 | sort -rn | head -n 3 | tr '\n' ' ')"
echo "words: $(tr 'A-Z' 'a-z' <"$data/words.txt" | sort -u | wc -l)"
echo "fields: $(cut -d, -f1,3 "$data/table.csv" | head -n 3 | tr '\n' ' ')"
false | true
echo "pipeline statuses: ${PIPESTATUS[*]}"

square_sum() {
    local total=0 n
    for n in $(seq 1 "$1"); do total=$((total + n * n)); done
    echo "$total"
}
echo "function: $(square_sum 10)"

inner=$( (cd /; pwd; exit 0) )
echo "subshell ran in $inner, the shell stayed in $(basename "$PWD")"
(exit 3)
echo "subshell status: $?"
x=$(cat /no/such/file 2>/dev/null)
echo "failed substitution status: $? (output '$x')"
ls /no/such/file 2>/dev/null
echo "ls status: $?"
if ! sort --no-such-option </dev/null 2>/dev/null; then echo "sort refused an option"; fi

for i in 1 2 3 4; do
    (seq "$i" | wc -l >"job$i") &
done
wait
echo "background jobs: $(cat job1 job2 job3 job4 | tr '\n' ' ')"
(exit 5) &
wait $!
echo "background status: $?"

sort -r <<END
pear
apple
fig $((6 * 7))
END

exec 3>out.txt
echo "first line" >&3
seq 3 5 >&3
exec 3>&-
echo "through fd 3: $(wc -l <out.txt) lines, last $(tail -n 1 out.txt)"
exec 4<out.txt
read -r -u 4 first
exec 4<&-
echo "read from fd 4: $first"
echo "process substitution: $(cat <(seq 1 3) <(echo four) | tr '\n' ' ')"
echo "paired: $(paste -d: <(seq 1 3) <(seq 4 6) | tr '\n' ' ')"
echo "from /dev/stdin: $(seq 7 9 | cat /dev/stdin | wc -l)"
{ echo "to stderr" >&2; echo "to stdout"; } 2>/dev/null
ls
echo "bash done"
