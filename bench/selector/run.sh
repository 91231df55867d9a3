#!/usr/bin/env bash
# Selector timing over 10,000 processes in 500 cgroups, NativeAOT as the daemon runs (see README.md here).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/selector-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
dotnet publish bench/selector/SelectorBench.csproj -c Release -p:PublishAot=true -o "$out" --nologo -v quiet >/dev/null
"$out/selector-bench" 500 10000 2000
