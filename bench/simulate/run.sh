#!/usr/bin/env bash
# simulate at scale (issue 8): 10^5 processes in one cgroup, and a cgroup chain 20,000 levels deep.
# Checks the victim of each run (correctness), then prints wall and CPU time and peak RSS of bin/oomwarden simulate
# (on a shared machine the CPU time is the steadier figure).
# The text output of the deep case is ~1 GiB (each of the 20,000 levels prints its 40,000-character path twice):
# it is piped to tail, not kept. Snapshots are written to a private mktemp directory and removed.
# Usage: bench/simulate/run.sh [PROCESSES [DEPTH]]   (defaults 100000 20000)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/bin/oomwarden
PROCESSES=${1:-100000}
DEPTH=${2:-20000}
[ -x "$BIN" ] || { echo "bench/simulate: $BIN missing: run 'make build' first" >&2; exit 1; }
WORK=$(mktemp -d /tmp/oomwarden-simulate-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() {  # run LABEL KIND N
  local label=$1 kind=$2 n=$3 expected victim
  expected=$(python3 "$ROOT/bench/simulate/gen.py" "$kind" "$n" "$WORK/$kind.json")
  local size; size=$(du -m "$WORK/$kind.json" | cut -f1)
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$BIN" simulate "$WORK/$kind.json" | tail -n 3 >"$WORK/tail"
  victim=$(sed -n 's/^victim: \([^ ]*\) (\([0-9]*\)).*/\2 \1/p' "$WORK/tail")
  read -r secs user sys kib <"$WORK/time"
  local ok=yes; [ "$victim" = "$expected" ] || ok="NO (expected $expected, got '${victim:-none}')"
  printf '  %-34s snapshot %5s MiB  wall %7.2f s  cpu %7.2f s  peak RSS %6.0f MiB  victim correct: %s\n' \
    "$label" "$size" "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$kib / 1024" | bc -l)" "$ok"
  rm -f "$WORK/$kind.json"
  [ "$ok" = yes ]
}

echo "simulate at scale: $("$BIN" version), $(nproc) CPU, load $(cut -d' ' -f1-3 /proc/loadavg)"
run "$PROCESSES processes in one cgroup" procs "$PROCESSES"
run "$DEPTH-deep cgroup chain" deep "$DEPTH"
