#!/usr/bin/env bash
# Builds bin/oomwarden_VERSION_ARCH.deb from bin/oomwarden and bin/man with dpkg-deb (no debian/ source tree).
# Where systemd runs, postinst enables and starts the unit on first install; elsewhere it only says how.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=bin/oomwarden
[ -x "$BIN" ] || { echo "mkdeb: $BIN is missing: run make build" >&2; exit 1; }
VERSION=$("$BIN" --version | awk '{print $2}')
ARCH=$(dpkg --print-architecture)
# The maintainer: DEB_MAINTAINER, else the author of the last commit.
MAINTAINER=${DEB_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$MAINTAINER" ] || { echo "mkdeb: set DEB_MAINTAINER='Name <address>'" >&2; exit 1; }
STAGE=$(mktemp -d bin/deb-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
ROOT=$STAGE/root
DOC=$ROOT/usr/share/doc/oomwarden

install -D -m 0755 "$BIN" "$ROOT/usr/sbin/oomwarden"
# The daemon-only executable `oomwarden run` execs (docs/DESIGN.md, "A daemon-only executable"): not for a PATH.
[ -x bin/oomwardend ] || { echo "mkdeb: bin/oomwardend is missing: run make build" >&2; exit 1; }
install -D -m 0755 bin/oomwardend "$ROOT/usr/lib/oomwarden/oomwardend"
install -d -m 0755 "$ROOT/lib/systemd/system"
sed 's|/usr/local/sbin/oomwarden|/usr/sbin/oomwarden|g' deploy/oomwarden.service > "$ROOT/lib/systemd/system/oomwarden.service"
chmod 0644 "$ROOT/lib/systemd/system/oomwarden.service"
install -D -m 0644 deploy/oomwarden.toml "$ROOT/etc/oomwarden/oomwarden.toml"
install -D -m 0644 deploy/completion/oomwarden.bash "$ROOT/usr/share/bash-completion/completions/oomwarden"
install -D -m 0644 deploy/dbus/org.freedesktop.LowMemoryMonitor.conf "$ROOT/usr/share/dbus-1/system.d/org.freedesktop.LowMemoryMonitor.conf"
for page in oomwarden.8:man8 oomwarden.toml.5:man5; do
  install -D -m 0644 "bin/man/${page%%:*}" "$ROOT/usr/share/man/${page##*:}/${page%%:*}"
  gzip -9n "$ROOT/usr/share/man/${page##*:}/${page%%:*}"
done
install -D -m 0644 README.md "$DOC/README.md"
install -m 0644 docs/MIGRATING.md docs/CONFIG.md docs/POLICY.md docs/NOTIFY.md docs/OPERATING.md "$DOC/"
install -d -m 0755 "$DOC/examples"
install -m 0644 deploy/policies/*.toml "$DOC/examples/"
# [notify] desktop = true needs this drop-in (docs/NOTIFY.md); not active until copied to /etc/systemd/system.
install -D -m 0644 deploy/oomwarden.service.d/desktop.conf "$DOC/examples/oomwarden.service.d/desktop.conf"
cat > "$DOC/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: oomwarden
Comment: Built from the oomwarden repository with make deb.

Files: *
Copyright: the oomwarden authors
License: NOASSERTION
 The project has not stated a license yet; this package was built from its repository for its own tests
 and deployments.
COPYRIGHT
{
  echo "oomwarden ($VERSION) unstable; urgency=medium"
  echo
  echo "  * Built with make deb from the repository."
  echo
  echo " -- $MAINTAINER  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$DOC/changelog.gz"

# Dependencies: the libraries the binary links, with the newest glibc symbol version it uses.
glibc=$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
depends="libc6 (>= $glibc)"
if objdump -p "$BIN" | grep -q 'NEEDED.*libz\.so'; then depends="$depends, zlib1g"; fi
if objdump -p "$BIN" | grep -q 'NEEDED.*libstdc++'; then depends="$depends, libstdc++6"; fi
if objdump -p "$BIN" | grep -q 'NEEDED.*libgcc_s'; then depends="$depends, libgcc-s1"; fi

install -d -m 0755 "$ROOT/DEBIAN"
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: oomwarden
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Depends: $depends
Section: admin
Priority: optional
Description: user-space OOM manager with an explainable policy
 oomwarden acts before the kernel's OOM killer does: it watches the whole
 machine and every memory cgroup with a limit, and when one runs short it
 kills what the admin's ordered rules say should go first, through pidfds,
 with SIGTERM and then SIGKILL. Every decision is logged with its reason;
 explain, simulate and analyze show why a process was or would be chosen.
CONTROL
echo /etc/oomwarden/oomwarden.toml > "$ROOT/DEBIAN/conffiles"

cat > "$ROOT/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    install -d -m 0750 /var/lib/oomwarden
    if [ -d /run/systemd/system ]; then
        # Where systemd runs: enabled and started on first install, restarted on upgrade when it was running.
        systemctl --system daemon-reload >/dev/null || true
        if [ -z "$2" ]; then
            deb-systemd-helper enable oomwarden.service >/dev/null || true
            deb-systemd-invoke start oomwarden.service >/dev/null || true
        elif systemctl --quiet is-active oomwarden.service; then
            deb-systemd-invoke restart oomwarden.service >/dev/null || true
        fi
    else
        echo "oomwarden: systemd is not running: nothing started. Check the host with 'oomwarden doctor';"
        echo "oomwarden: under systemd, start it with 'systemctl enable --now oomwarden'."
    fi
fi
exit 0
POSTINST
cat > "$ROOT/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = "remove" ] && [ -d /run/systemd/system ]; then
    deb-systemd-invoke stop oomwarden.service >/dev/null || true
fi
exit 0
PRERM
cat > "$ROOT/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper purge oomwarden.service >/dev/null || true
    fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
    fi
fi
if [ "$1" = "purge" ]; then
    rm -rf /var/lib/oomwarden
fi
exit 0
POSTRM
chmod 0755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm" "$ROOT/DEBIAN/postrm"

OUT=bin/oomwarden_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$OUT" >/dev/null
echo "$OUT"
