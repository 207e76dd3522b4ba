# Timing that cannot flatter one side: every command gets the same number of
# runs, the runs alternate (A B C A B C …, so a slow moment of the machine
# falls on all of them), and the median is reported. Source this file.
#
#   alternate ROUNDS "label|shell command" "label|shell command" …
#
# Sets MEDIAN[label] (wall seconds, median of ROUNDS) and prints each run.
# Output of the commands goes to /dev/null; a failing command aborts.
declare -gA MEDIAN=()
alternate() {
    local rounds=$1; shift
    local -A times=()
    local r spec label cmd t0 t1
    for r in $(seq 1 "$rounds"); do
        for spec in "$@"; do
            label=${spec%%|*}; cmd=${spec#*|}
            t0=$(date +%s.%N)
            bash -c "$cmd" > /dev/null || { echo "failed: $cmd" >&2; return 1; }
            t1=$(date +%s.%N)
            times[$label]+="$(echo "$t1 - $t0" | bc -l) "
            printf '  round %d  %-44s %8.3f s\n' "$r" "$label" "$(echo "$t1 - $t0" | bc -l)" >&2
        done
    done
    for spec in "$@"; do
        label=${spec%%|*}
        MEDIAN[$label]=$(printf '%s\n' ${times[$label]} | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    done
}
