#!/usr/bin/env bash
# Regenerates src/OomWarden/hot-methods.txt, the IlcOrderFile (docs/DESIGN.md, "Idle footprint"): publishes an
# unstripped build to a temporary directory, runs it twice (idle, then a dry-run crossing) under
# bench/footprint/hotpages.py, which records the code pages really executed, and writes the managed methods on
# them. Run it after changes to the loop, the readers or the engine, then `make build` and `make bench`.
# A stale file is not an error: ILC ignores names it does not know; the layout is only less tight.
# Needs root (clear_refs, gdb attach), gdb, nm, readelf. Nothing else may run bin/oomwarden meanwhile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "mkorder: needs root" >&2; exit 1; }
for t in gdb nm readelf; do command -v $t >/dev/null || { echo "mkorder: $t missing (apt-get install gdb binutils)" >&2; exit 1; }; done
OUT=$(mktemp -d /tmp/oomwarden-order.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# The linked binary is cached under bin/: remove it so this publish links again, with its symbol table.
rm -f src/OomWarden/bin/Release/net10.0/linux-x64/native/oomwarden
dotnet publish src/OomWarden/OomWarden.csproj -c Release -o "$OUT" --nologo -v quiet \
  -p:DebugType=none -p:DebugSymbols=false -p:StripSymbols=false
# A file just written has dirty page-cache pages, which the start-up trim cannot evict.
sync "$OUT/oomwarden"
python3 bench/footprint/hotpages.py "$OUT/oomwarden" --out src/OomWarden/hot-methods.txt
# The next `make build` must link the stripped binary again.
rm -f src/OomWarden/bin/Release/net10.0/linux-x64/native/oomwarden
