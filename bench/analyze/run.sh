#!/usr/bin/env bash
# Throughput of `oomwarden analyze --json` against `grep -c 'invoked oom-killer'` on the same ~1 GB log.
# usage: bench/analyze/run.sh [SIZE_MB] [RUNS]     (binary: $OOMWARDEN, default bin/oomwarden)
# The log is written to a private directory (mktemp -d, removed at exit; never into the repo, never a fixed
# /tmp name another user could plant a link at) and read from the page cache by both tools. BENCH_LOG=FILE
# keeps a log of your own between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=${1:-1024}
RUNS=${2:-5}
BIN=${OOMWARDEN:-bin/oomwarden}
if [[ -n ${BENCH_LOG:-} ]]; then
    LOG=$BENCH_LOG
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-bench-analyze.XXXXXX")
    trap 'rm -rf -- "$WORK"' EXIT
    LOG=$WORK/kernel-${SIZE_MB}M.log
fi

[[ -x $BIN ]] || { echo "no $BIN: build it with: dotnet publish src/OomWarden -c Release -o bin" >&2; exit 1; }
[[ -s $LOG ]] || python3 bench/analyze/gen-log.py "$LOG" "$SIZE_MB"
bytes=$(stat -c %s "$LOG")
cat "$LOG" > /dev/null   # warm the page cache

now() { date +%s.%N; }
best() { sort -g | head -1; }
g_times=(); o_times=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now); gc=$(grep -c 'invoked oom-killer' "$LOG" || true); t1=$(now)
    oc=$("$BIN" analyze --json "$LOG" | wc -l); t2=$(now)
    g_times+=("$(echo "$t1 - $t0" | bc -l)"); o_times+=("$(echo "$t2 - $t1" | bc -l)")
    printf 'run %d: grep %.3f s (%s events)   oomwarden %.3f s (%s events)\n' "$i" "${g_times[-1]}" "$gc" "${o_times[-1]}" "$oc"
done
g=$(printf '%s\n' "${g_times[@]}" | best); o=$(printf '%s\n' "${o_times[@]}" | best)
gm=$(echo "$bytes / 1048576 / $g" | bc -l); om=$(echo "$bytes / 1048576 / $o" | bc -l)
printf '\nfile: %s (%.0f MiB), best of %d runs\n' "$LOG" "$(echo "$bytes / 1048576" | bc -l)" "$RUNS"
printf 'grep -c:                %8.0f MiB/s (%.3f s)\n' "$gm" "$g"
printf 'oomwarden analyze --json: %6.0f MiB/s (%.3f s)\n' "$om" "$o"
printf 'ratio oomwarden/grep:   %8.2f\n' "$(echo "$om / $gm" | bc -l)"
