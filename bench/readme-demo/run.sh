#!/bin/bash
# The README's `status` example: a 256 MiB cgroup v1 memory cgroup filled at 20 MiB/s by a hog, with the daemon
# confined to it by its config (the system domain is off: nothing outside the cgroup can be touched). Prints
# `oomwarden status` seven seconds in, and again after the kill. Root, cgroup v1 memory controller.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OOMWARDEN:-$PWD/bin/oomwarden}
D=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-readme.XXXXXX")
CG=/sys/fs/cgroup/memory/readme-demo
cleanup() {
    [ -n "${DM:-}" ] && kill -TERM "$DM" 2>/dev/null && wait "$DM" 2>/dev/null || true
    if [ -d "$CG" ]; then for p in $(cat "$CG/cgroup.procs"); do kill -9 "$p" 2>/dev/null || true; done; sleep 0.5; rmdir "$CG" || true; fi
    rm -rf "$D"
}
trap cleanup EXIT
gcc -O2 -o "$D/hog" tests/helpers/hog.c
sed "s|@DIR@|$D|g" bench/readme-demo/oomwarden.toml > "$D/oomwarden.toml"
mkdir -p "$CG" && echo 268435456 > "$CG/memory.limit_in_bytes"
"$BIN" run --config "$D/oomwarden.toml" 2> "$D/daemon.log" & DM=$!
for _ in $(seq 50); do grep -q watching "$D/daemon.log" && break; sleep 0.2; done
sh -c "echo \$\$ > $CG/cgroup.procs; exec $D/hog -s 1024 -r 20 -L 60" > /dev/null & H=$!
sleep 7
"$BIN" status --socket "$D/control"
wait "$H" || true
sleep 2
echo "--- after the kill"
"$BIN" status --socket "$D/control"
