#!/usr/bin/env bash
# Level change -> GLib client woken (low_memory_monitor), p50/p99/max over 1,000 changes, against a bus round trip.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run -c Release --project bench/notify-dbus/NotifyDbusBench.csproj -- "${1:-1000}" "$PWD"
