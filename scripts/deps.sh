#!/usr/bin/env bash
# Installs what building and testing oomwarden needs and is missing, on Debian 12, as root.
# Idempotent and quiet when everything is there. Never prompts (CI has no stdin).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v clang >/dev/null || need+=(clang)            # NativeAOT links with clang
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev) # NativeAOT needs libz
command -v gcc >/dev/null || need+=(gcc)                # test helpers (hog) and the C reference
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)        # shared/lab drivers used by the benchmarks
command -v gzip >/dev/null || need+=(gzip)
command -v systemd-analyze >/dev/null || need+=(systemd) # the unit's verify and security checks (no systemd needs to run)
command -v man >/dev/null || need+=(man-db)             # systemd-analyze verify looks up Documentation=man:... pages
command -v jq >/dev/null || need+=(jq)                  # docs/MIGRATING.md's journal recipes are run by a test
command -v lintian >/dev/null || need+=(lintian)        # make deb's package is checked by a test
command -v objdump >/dev/null || need+=(binutils)
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)  # the Kubernetes manifest test reads YAML
command -v node >/dev/null || need+=(nodejs)            # scripts/validate-k8s.sh (kubernetes-models from npm)
command -v npm >/dev/null || need+=(npm)
command -v strace >/dev/null || need+=(strace)          # the unit's SystemCallFilter= is checked against a traced dry run       # scripts/mkdeb.sh reads the binary's glibc symbol versions
command -v promtool >/dev/null || need+=(prometheus)      # promtool check metrics on the daemon's real exposition (the service is not started)
command -v setpriv >/dev/null || need+=(util-linux)    # control-socket tests run a client as nobody
command -v dbus-daemon >/dev/null || need+=(dbus)      # [notify] tests: private system and session buses
command -v dbus-send >/dev/null || need+=(dbus-bin)
command -v gdbus >/dev/null || need+=(libglib2.0-bin)   # Introspect check of the LowMemoryMonitor object
/usr/bin/python3 -c 'from gi.repository import Gio; Gio.MemoryMonitor' 2>/dev/null || need+=(python3-gi gir1.2-glib-2.0)  # GLib's GMemoryMonitor client
if [ "${1:-}" = "--bench" ]; then
  command -v earlyoom >/dev/null || need+=(earlyoom)    # the reference the benchmarks compare against
  command -v valgrind >/dev/null || need+=(valgrind)    # bench/analyze/instructions.sh (callgrind counts)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "deps: need root to apt-get install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "${1:-}" = "--bench" ] && command -v systemctl >/dev/null && systemctl is-enabled earlyoom >/dev/null 2>&1; then
  systemctl disable --now earlyoom >/dev/null 2>&1 || true  # the benchmark starts it by hand
fi

if ! command -v dotnet >/dev/null; then
  echo "deps: the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and re-run" >&2
  exit 1
fi
