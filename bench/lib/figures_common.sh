# Sourced by the figure scripts run beside bench/run.sh (net_figures.sh, storage_figures.sh):
# where results go, the machine check, and the progress and record helpers.
#   figures_common NAME MACHINE   (NAME: the script's name and its results file's prefix)
# Sets results and own_table: with BENCH_RESULTS set (run.sh), the rows go into run.sh's
# file and run.sh prints the table; alone, into $out_dir/NAME_results.tsv, and the script
# prints its own table.
figures_common() {
    local name=$1 machine=$2
    mkdir -p "$out_dir"
    if [ -n "${BENCH_RESULTS:-}" ]; then
        results=$BENCH_RESULTS
        own_table=0
    else
        results=$out_dir/${name}_results.tsv
        : >"$results"
        own_table=1
    fi
    case "$machine" in
    q35 | microvm) ;;
    *) echo "${name}_figures: the machine must be q35 or microvm, not $machine" >&2; exit 2 ;;
    esac
    started=$SECONDS
}
say() { echo "bench: [$((SECONDS - started))s] $*" >&2; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
