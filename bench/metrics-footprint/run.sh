#!/usr/bin/env bash
# prometheus-net against a hand-written text writer in a minimal NativeAOT program doing the same work (40 series
# rendered and written every 100 ms, 10 s): binary size, RSS and threads at the end. Prints one line per variant.
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for p in handwritten promnet; do
  dotnet publish $p/$p.csproj -c Release -o "$out/$p" --nologo -v quiet -p:DebugType=none -p:DebugSymbols=false | grep -E " error " && exit 1 || true
done
size() { stat -c %s "$1"; }
echo "handwritten:       size_bytes=$(size "$out/handwritten/handwritten") $("$out/handwritten/handwritten" "$out/h.prom")"
echo "prometheus-net:    size_bytes=$(size "$out/promnet/promnet") $("$out/promnet/promnet" "$out/p.prom")"
echo "prometheus-net+http: size_bytes=$(size "$out/promnet/promnet") $("$out/promnet/promnet" "$out/p2.prom" server)"
