#!/usr/bin/env bash
# Medians of CPU time (user+sys) and of wall-clock time (and the least wall-clock time: the run least disturbed) of `grep -c 'invoked oom-killer' LOG` and of `BIN analyze --json LOG` for each
# BIN, run in turn RUNS times (grep, then each binary, then again): on a machine shared with other jobs, runs of
# the builds being compared see the same load, which back-to-back rounds of run.sh do not.
# usage: bench/analyze/interleave.sh LOG RUNS BIN [BIN ...]     (LOG from bench/analyze/gen-log.py)
set -euo pipefail
export LC_ALL=C
[[ $# -ge 3 ]] || { echo "usage: $0 LOG RUNS BIN [BIN ...]" >&2; exit 2; }
LOG=$1 RUNS=$2; shift 2
T=$(mktemp); trap 'rm -f "$T"' EXIT
cat "$LOG" > /dev/null
declare -A cpu wall
names=(grep "$@")
for ((i = 1; i <= RUNS; i++)); do
    for n in "${names[@]}"; do
        t0=$EPOCHREALTIME # wall clock in microseconds around the pipeline (GNU time's %e counts hundredths)
        if [[ $n == grep ]]; then /usr/bin/env time -f '%U %S' -o "$T" grep -c 'invoked oom-killer' "$LOG" | cat > /dev/null
        else /usr/bin/env time -f '%U %S' -o "$T" "$n" analyze --json "$LOG" | cat > /dev/null; fi
        t1=$EPOCHREALTIME
        cpu[$n]+="$(awk '{print $1 + $2}' "$T") "
        wall[$n]+="$(echo "${t1/[.,]/.} - ${t0/[.,]/.}" | bc -l) "
    done
done
median() { printf '%s\n' $1 | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
least() { printf '%s\n' $1 | sort -g | head -1; }
g=$(median "${cpu[grep]}") gw=$(median "${wall[grep]}")
gl=$(least "${wall[grep]}")
printf '%-40s %8s %6s %8s %6s %10s %6s\n' binary "cpu (s)" ratio "wall (s)" ratio "least wall" ratio
printf '%-40s %8.3f %6s %8.3f %6s %10.3f\n' grep "$g" "" "$gw" "" "$gl"
for n in "$@"; do
    m=$(median "${cpu[$n]}") w=$(median "${wall[$n]}") l=$(least "${wall[$n]}")
    printf '%-40s %8.3f %6.3f %8.3f %6.3f %10.3f %6.3f\n' "$n" "$m" "$(echo "$g / $m" | bc -l)" "$w" "$(echo "$gw / $w" | bc -l)" "$l" "$(echo "$gl / $l" | bc -l)"
done
echo "(median of $RUNS interleaved runs, $(uptime | sed 's/.*load/load/'))"
