#!/bin/bash
# Runs every test (`make test`). When some fail, their names and messages are printed again at the very end,
# so that a log of which only the tail is kept (CI) still says what failed and why.
set -o pipefail
log=$(mktemp "${TMPDIR:-/tmp}/oomwarden-test.XXXXXX")
"${DOTNET:-dotnet}" test --solution OomWarden.slnx -c Release --no-progress --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
    echo "=== failed tests (whole log: $log) ==="
    # A failure starts with "failed NAME (time)" and goes on with indented lines; stack frames are left out.
    awk '/^failed /{show=1; n=0; print; next}
         show && /^ / {if ($0 !~ /^ +at / && n < 40) {print; n++}; next}
         {show=0}' "$log" | tail -n 80
else
    rm -f "$log"
fi
exit "$rc"
