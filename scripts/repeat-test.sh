#!/bin/bash
# Runs one integration test RUNS times, with BUSY CPU-bound loops beside it (load, as a busy CI host has), and prints
# how many runs passed. For races that show only under load (docs/DESIGN.md, "oom_delay").
# usage: scripts/repeat-test.sh CLASS.METHOD [RUNS=30] [BUSY=2]     (needs `make build` and the test project built:
#        dotnet build tests/OomWarden.Integration.Tests -c Release)
# example: scripts/repeat-test.sh Daemon.OomDelayV1Tests.When_the_delay_is_over_the_kernel_kills 30 2
set -uo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { sed -n 2,6p "$0" >&2; exit 2; }
test=OomWarden.Integration.Tests.$1 runs=${2:-30} busy=${3:-2}
runner=tests/OomWarden.Integration.Tests/bin/Release/net10.0/OomWarden.Integration.Tests
[[ -x $runner ]] || { echo "no $runner: dotnet build tests/OomWarden.Integration.Tests -c Release" >&2; exit 1; }
log=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-repeat.XXXXXX")
pids=()
for ((i = 0; i < busy; i++)); do sh -c 'while :; do :; done' & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
passed=0
for ((i = 1; i <= runs; i++)); do
    "$runner" -method "$test" > "$log/$i" 2>&1
    if grep -q "Total: 1, Errors: 0, Failed: 0, Skipped: 0" "$log/$i"; then passed=$((passed + 1)); rm -f "$log/$i"
    else echo "run $i failed: $log/$i" >&2; fi
done
echo "$1: $passed of $runs passed, $busy busy loop(s) beside it"
