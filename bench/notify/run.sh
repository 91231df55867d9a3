#!/usr/bin/env bash
# Level change -> subscriber woken, p50 and max over 1,000 wake-ups, for the own socket and the pressure socket,
# against a plain socketpair byte measured in the same run; then again with a client that never reads.
# NativeAOT as the daemon runs. Needs nothing but this host (sockets in a private temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/notify-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
dotnet publish bench/notify/NotifyBench.csproj -c Release -p:PublishAot=true -o "$out" --nologo -v quiet >/dev/null
"$out/notify-bench" "${1:-1000}"
