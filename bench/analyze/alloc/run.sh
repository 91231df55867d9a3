#!/usr/bin/env bash
# Managed bytes allocated per report by analyze's file path (reader, restart loops, JSON lines): see Program.cs.
# usage: bench/analyze/alloc/run.sh LOG      (LOG from bench/analyze/gen-log.py, e.g. the dense one: 300 200l)
set -euo pipefail
cd "$(dirname "$0")/../../.."
[[ $# -eq 1 ]] || { echo "usage: $0 LOG" >&2; exit 2; }
out=$(mktemp -d /tmp/analyze-alloc.XXXXXX)
trap 'rm -rf "$out"' EXIT
dotnet build bench/analyze/alloc/AllocBench.csproj -c Release -o "$out" --nologo -v quiet > /dev/null
DOTNET_TieredPGO=0 "$out/analyze-alloc" "$1"
