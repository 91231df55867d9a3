#!/usr/bin/env bash
# Throughput of `oomwarden analyze --json` against `grep -c 'invoked oom-killer'` on the same logs, two densities:
#   sparse: one OOM report every 4 MiB (a quiet fleet host)
#   dense:  one OOM report every 200 lines (a node with a crash-looping container)
# usage: bench/analyze/run.sh [SIZE_MB=300] [RUNS=5]     (binary: $OOMWARDEN, default bin/oomwarden)
# The logs are written to a private directory from `mktemp -d` (removed at the end; BENCH_KEEP=1 keeps it) and
# read from the page cache by both tools. Each figure is the median of RUNS: wall clock, and CPU time
# (user+sys, which a machine shared with other jobs disturbs less), with the ratio oomwarden/grep of
# throughputs (1 = as fast as grep, 0.5 = half as fast). Peak RSS of oomwarden from /usr/bin/time when present.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
SIZE_MB=${1:-300}
RUNS=${2:-5}
BIN=${OOMWARDEN:-bin/oomwarden}
[[ -x $BIN ]] || { echo "no $BIN: build it with: make build" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-bench-analyze.XXXXXX")
[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$DIR"' EXIT

# median of N wall and CPU seconds of a command whose stdout goes to a pipe (grep skips work when it is /dev/null);
# medians, not bests: other jobs on a shared machine slow some runs down, and the median is the typical one
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
measure() {  # measure OUT_VAR_PREFIX cmd...
    local prefix=$1; shift
    local walls=() cpus=() count=
    for ((i = 1; i <= RUNS; i++)); do
        # wall clock from bash's microsecond clock around the pipeline (GNU time's %e counts hundredths)
        local t0=$EPOCHREALTIME
        { /usr/bin/env time -f '%e %U %S' -o "$DIR/time" "$@" || true; } | wc -l > "$DIR/count"
        local t1=$EPOCHREALTIME
        read -r _ user sys < <(tail -1 "$DIR/time")
        wall=$(echo "${t1/[.,]/.} - ${t0/[.,]/.}" | bc -l)
        count=$(cat "$DIR/count")
        walls+=("$wall")
        cpus+=("$(echo "$user + $sys" | bc -l)")
    done
    printf -v "${prefix}_wall" '%s' "$(median "${walls[@]}")"
    printf -v "${prefix}_cpu" '%s' "$(median "${cpus[@]}")"
    printf -v "${prefix}_count" '%s' "$count"
}

if ! /usr/bin/env time -f '%e' true 2>/dev/null; then
    echo "needs GNU time (/usr/bin/time: apt-get install time)" >&2; exit 1
fi

printf '%-7s %9s %8s | %-22s | %-22s | %-13s | %s\n' density MiB reports "grep wall / cpu (s)" "oomwarden wall / cpu" "ratio wall/cpu" "peak RSS"
for density in sparse dense; do
    log=$DIR/$density.log
    every=$([[ $density == sparse ]] && echo 4 || echo 200l)
    python3 bench/analyze/gen-log.py "$log" "$SIZE_MB" "$every" > /dev/null
    cat "$log" > /dev/null   # warm the page cache
    bytes=$(stat -c %s "$log")
    # grep -c prints one line: count its number, not lines
    measure g grep -c 'invoked oom-killer' "$log"
    gcount=$(grep -c 'invoked oom-killer' "$log" || true)
    measure o "$BIN" analyze --json "$log"
    # one line per report, plus one restart-loop section line when the log holds a restart loop (the dense one does)
    [[ $o_count == "$gcount" || $o_count == $((gcount + 1)) ]] || echo "warning: $density: grep counts $gcount reports, oomwarden $o_count" >&2
    rss=$( { /usr/bin/env time -f '%M' "$BIN" analyze --json "$log" > /dev/null; } 2>&1 | tail -1)
    rw=$(echo "$g_wall / $o_wall" | bc -l); rc=$(echo "$g_cpu / $o_cpu" | bc -l)
    printf '%-7s %9.0f %8s | %9.3f / %-10.3f | %9.3f / %-10.3f | %5.2f / %-5.2f | %.1f MiB\n' \
        "$density" "$(echo "$bytes / 1048576" | bc -l)" "$gcount" "$g_wall" "$g_cpu" "$o_wall" "$o_cpu" "$rw" "$rc" "$(echo "$rss / 1024" | bc -l)"
    rm -f "$log"
done
echo "(median of $RUNS runs each; ratio = grep time / oomwarden time, i.e. oomwarden's throughput as a fraction of grep's)"
