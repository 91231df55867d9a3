#!/usr/bin/env bash
# Instructions executed by `BIN analyze --json LOG` (valgrind's callgrind: the same count on every run, whatever
# else the machine does), in total, per MiB of log, per report, and by stage (inclusive counts of the functions
# that head each stage):
#   markers  the marker pass between reports (OomLogReader.NextMarker)
#   lines    every line read in full: unwrap, hold back, classify, the section parsers (OomLogReader.ReadToEnd less
#            the marker pass and the close below, which run under it; the reader's fast lane runs inside Process, not
#            under PhysicalLine, which only the lines it does not take reach)
#   close    a finished report: the diagnosis and its JSON line (OomDiagnosis.Diagnose, OomEventAssembler.Release)
#   rest     start-up, the output, allocation outside those (the read loop itself is in lines)
# and grep -c 'invoked oom-killer' on the same log for scale. CPU time on a shared VM varies more between
# windows a few minutes apart than a 5 % step gains; these counts do not, so two builds compare to the instruction (they do not count
# the kernel's page-cache copy, nor cache misses: CPU time stays the figure for the ratio to grep, run.sh).
# usage: bench/analyze/instructions.sh LOG BIN [BIN ...]
#   LOG: e.g. `python3 bench/analyze/gen-log.py /tmp/dense30.log 30 200l` (30 MiB: ~10 s a binary under valgrind)
#   BIN: a build with symbols: dotnet publish src/OomWarden/OomWarden.csproj -c Release -o DIR -p:StripSymbols=false
#        (the script analyses a copy without DWARF, which valgrind 3.19 cannot read from NativeAOT binaries)
set -euo pipefail
export LC_ALL=C
[[ $# -ge 2 ]] || { echo "usage: $0 LOG BIN [BIN ...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind: scripts/deps.sh --bench (or apt-get install valgrind)" >&2; exit 1; }
LOG=$1; shift
[[ -r $LOG ]] || { echo "no log $LOG" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-instr.XXXXXX")
# BENCH_KEEP=1 keeps the profiles (cg.N, one per BIN) for per-function counts: callgrind_annotate [--inclusive=yes] cg.N
if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "profiles kept in $T"; else trap 'rm -rf "$T"' EXIT; fi
mib=$(echo "$(stat -c %s "$LOG") / 1048576" | bc -l)
reports=$(grep -c 'invoked oom-killer' "$LOG" || true)

total() { grep -E 'I +refs' "$1" | tr -d , | awk '{print $NF}'; }
# stdout to a pipe: grep -c skips the work when it is /dev/null
valgrind --tool=callgrind --callgrind-out-file=/dev/null grep -c 'invoked oom-killer' "$LOG" 2> "$T/grep.err" | cat > /dev/null
g=$(total "$T/grep.err")
printf '%-28s %13s %10s %10s | %8s %8s %8s %8s\n' binary instructions "per MiB" "per report" markers lines close rest
printf '%-28s %13d %10.0f %10s |\n' "grep -c" "$g" "$(echo "$g / $mib" | bc -l)" -
name() { local s=$1; (( ${#s} > 28 )) && s=...${s: -25}; printf %s "$s"; }
n=0
for bin in "$@"; do
    n=$((n + 1))
    [[ -x $bin ]] || { echo "no $bin" >&2; exit 1; }
    objcopy --strip-debug "$bin" "$T/oomwarden"
    [[ -x $(dirname "$bin")/oomwardend ]] && ln -sf "$(cd "$(dirname "$bin")" && pwd)/oomwardend" "$T/oomwardend"
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.$n" "$T/oomwarden" analyze --json "$LOG" 2> "$T/err.$n" | cat > /dev/null
    all=$(total "$T/err.$n")
    callgrind_annotate --inclusive=yes --threshold=100 "$T/cg.$n" > "$T/inc.$n" 2> /dev/null
    inc() { grep -E "[_:]$1 " "$T/inc.$n" | head -1 | awk '{gsub(",", "", $1); print $1 + 0}'; }
    markers=$(inc OomLogReader__NextMarker)
    reader=$(inc OomLogReader__ReadToEnd)
    close=$(( $(inc OomEventAssembler__Release) + $(inc OomDiagnosis__Diagnose) ))
    lines=$((reader - markers - close))
    rest=$((all - reader))
    pct() { echo "100 * $1 / $all" | bc -l; }
    printf '%-28s %13d %10.0f %10.0f | %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n' "$(name "$bin")" "$all" "$(echo "$all / $mib" | bc -l)" \
        "$(echo "$all / ($reports + 0.000001)" | bc -l)" "$(pct "$markers")" "$(pct "$lines")" "$(pct "$close")" "$(pct "$rest")"
done
echo "log: $LOG, $(printf %.1f "$mib") MiB, $reports reports"
