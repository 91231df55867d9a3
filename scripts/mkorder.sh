#!/usr/bin/env bash
# Regenerates src/OomWarden/hot-methods.txt, the IlcOrderFile (docs/DESIGN.md, "Idle footprint"): publishes an
# unstripped build of the daemon executable (oomwardend: what runs) to a temporary directory, runs it three times (idle with the built-in policy,
# idle with deploy/oomwarden.toml, a dry-run crossing) under bench/footprint/hotmethods.py, which counts every managed
# method's calls (uprobes), and writes the methods that ran after start-up (steady idle, then the crossing, then the
# start-up trim's window), with the CLI assembly's names (oomwarden_...; the daemon's build rewrites them to its own).
# Method by method, not page by page: docs/DESIGN.md, "The text, broken down". Run it after changes to the loop, the readers or the engine, then `make build` and `make bench`.
# A stale file is not an error: ILC ignores names it does not know; the layout is only less tight.
# Needs root (tracefs uprobes), nm, readelf; takes ~15 min (adding and removing 10,000 uprobes is most of it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "mkorder: needs root" >&2; exit 1; }
for t in nm readelf; do command -v $t >/dev/null || { echo "mkorder: $t missing (apt-get install binutils)" >&2; exit 1; }; done
OUT=$(mktemp -d /tmp/oomwarden-order.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# The linked binary is cached under bin/: remove it so this publish links again, with its symbol table.
NATIVE=src/OomWarden/bin/daemon/Release/net10.0/linux-x64/native/oomwardend
rm -f "$NATIVE"
dotnet publish src/OomWarden/OomWarden.csproj -c Release -o "$OUT" --nologo -v quiet \
  -p:DebugType=none -p:DebugSymbols=false -p:StripSymbols=false -p:OomWardenDaemon=true
# A file just written has dirty page-cache pages, which the start-up trim cannot evict.
sync "$OUT/oomwardend"
# The working-set trim stays on: what runs inside its window is kept resident, so it is listed (after the hot methods).
python3 bench/footprint/hotmethods.py "$OUT/oomwardend" --out "$OUT/hot-methods.txt"
sed -E 's/(^|[^A-Za-z0-9_])oomwardend_/\1oomwarden_/g' "$OUT/hot-methods.txt" > src/OomWarden/hot-methods.txt
# The next `make build` must link the stripped binary again.
rm -f "$NATIVE"
