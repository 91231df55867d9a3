# oomwarden: build, run, test, benchmark. Every target installs what it is missing (Debian 12, as root).
SHELL := /bin/bash
DOTNET ?= dotnet
BIN := bin/oomwarden
DAEMON_BIN := bin/oomwardend
SHARED ?= $(abspath ../shared)
export OOMWARDEN_SHARED := $(SHARED)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all deps build run test test-unit test-integration bench man install uninstall deb clean

all: build

deps:
	@scripts/deps.sh

## build: publish the NativeAOT binaries: bin/oomwarden (every verb) and bin/oomwardend (the daemon alone, which
## `oomwarden run` execs: docs/DESIGN.md, "A daemon-only executable")
build: deps
	$(DOTNET) publish src/OomWarden/OomWarden.csproj -c Release -o bin --nologo -v quiet -p:DebugType=none -p:DebugSymbols=false
	$(DOTNET) publish src/OomWarden/OomWarden.csproj -c Release -o bin --nologo -v quiet -p:DebugType=none -p:DebugSymbols=false -p:OomWardenDaemon=true
	@ls -l $(BIN) $(DAEMON_BIN)

## run: the daemon in the foreground, dry-run, built-in policy (Ctrl-C stops it); the journal goes to a
## private directory (mktemp -d), never a fixed /tmp name another user could plant a link or a FIFO at
run: build
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/oomwarden-run.XXXXXX") && echo "journal: $$dir/events.jsonl" && \
	  $(BIN) run --dry-run --events "$$dir/events.jsonl"

## test: every test: unit, CLI golden, host integration (cgroup v1), vmlab integration (cgroup v2)
test: build
	@if [ -x "$(SHARED)/vmlab/vm-setup" ]; then "$(SHARED)/vmlab/vm-setup" >/dev/null || echo "vm-setup failed: vmlab tests will say why"; fi
	DOTNET=$(DOTNET) scripts/test.sh

## bench: benchmarks that print figures and ratios against references (see README)
bench: build
	@scripts/deps.sh --bench
	bench/run-all.sh

## install: binary, systemd unit, config, man pages, bash completion (DESTDIR= and PREFIX= for staging;
## NOBUILD=1 installs the bin/oomwarden already built). `make uninstall` with the same variables removes it all.
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
# oomwardend, the daemon `oomwarden run` execs: SBINDIR/../lib/oomwarden is where oomwarden looks for it.
PKGLIBDIR ?= $(abspath $(SBINDIR)/../lib/oomwarden)
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/oomwarden
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system
STATEDIR ?= /var/lib/oomwarden
# [notify] low_memory_monitor: the system bus policy that lets root own org.freedesktop.LowMemoryMonitor.
DBUSPOLICYDIR ?= $(SYSCONFDIR)/dbus-1/system.d
MANPAGES := bin/man/oomwarden.8 bin/man/oomwarden.toml.5
# What install writes, for uninstall (the config only when it is still the shipped default).
INSTALLED := $(SBINDIR)/oomwarden $(PKGLIBDIR)/oomwardend $(UNITDIR)/oomwarden.service $(MANDIR)/man8/oomwarden.8 \
	$(MANDIR)/man5/oomwarden.toml.5 $(BASHCOMPDIR)/oomwarden $(DOCDIR)/README.md $(DOCDIR)/MIGRATING.md \
	$(DBUSPOLICYDIR)/org.freedesktop.LowMemoryMonitor.conf

## man: the man pages, rendered from docs/ by scripts/mkman.py into bin/man
man: $(MANPAGES)
$(MANPAGES): scripts/mkman.py docs/man/oomwarden.8.md docs/CONFIG.md docs/POLICY.md
	@scripts/deps.sh
	python3 scripts/mkman.py bin/man

install: $(if $(NOBUILD),,build) man
	@test -x $(BIN) || { echo "install: $(BIN) is missing: run make build" >&2; exit 1; }
	@test -x $(DAEMON_BIN) || { echo "install: $(DAEMON_BIN) is missing: run make build" >&2; exit 1; }
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/oomwarden
	install -D -m 0755 $(DAEMON_BIN) $(DESTDIR)$(PKGLIBDIR)/oomwardend
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/oomwarden|$(SBINDIR)/oomwarden|g; s|/etc/oomwarden/|$(SYSCONFDIR)/oomwarden/|g' deploy/oomwarden.service > $(DESTDIR)$(UNITDIR)/oomwarden.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/oomwarden.service
	install -D -m 0644 bin/man/oomwarden.8 $(DESTDIR)$(MANDIR)/man8/oomwarden.8
	install -D -m 0644 bin/man/oomwarden.toml.5 $(DESTDIR)$(MANDIR)/man5/oomwarden.toml.5
	install -D -m 0644 deploy/completion/oomwarden.bash $(DESTDIR)$(BASHCOMPDIR)/oomwarden
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 docs/MIGRATING.md $(DESTDIR)$(DOCDIR)/MIGRATING.md
	install -D -m 0644 deploy/dbus/org.freedesktop.LowMemoryMonitor.conf $(DESTDIR)$(DBUSPOLICYDIR)/org.freedesktop.LowMemoryMonitor.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/oomwarden
	install -d -m 0750 $(DESTDIR)$(STATEDIR)
	[ -e $(DESTDIR)$(SYSCONFDIR)/oomwarden/oomwarden.toml ] || install -m 0644 deploy/oomwarden.toml $(DESTDIR)$(SYSCONFDIR)/oomwarden/oomwarden.toml
	$(DESTDIR)$(SBINDIR)/oomwarden check-config $(DESTDIR)$(SYSCONFDIR)/oomwarden/oomwarden.toml >/dev/null
	@echo "installed under $(DESTDIR)$(PREFIX); start with: systemctl daemon-reload && systemctl enable --now oomwarden"

## uninstall: removes what install wrote; keeps an edited config and a non-empty state directory (and says so)
uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl disable --now oomwarden.service 2>/dev/null || true; fi
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@cfg=$(DESTDIR)$(SYSCONFDIR)/oomwarden/oomwarden.toml; \
	if [ -e $$cfg ]; then \
		if cmp -s $$cfg deploy/oomwarden.toml; then rm -f $$cfg; else echo "uninstall: kept $$cfg (edited)"; fi; fi
	rmdir $(DESTDIR)$(SYSCONFDIR)/oomwarden 2>/dev/null || true
	rmdir $(DESTDIR)$(PKGLIBDIR) 2>/dev/null || true
	@if [ -d $(DESTDIR)$(STATEDIR) ] && ! rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null; then echo "uninstall: kept $(DESTDIR)$(STATEDIR) (the event journal)"; fi
	rmdir $(DESTDIR)$(DBUSPOLICYDIR) $(DESTDIR)$(SYSCONFDIR)/dbus-1 2>/dev/null || true
	rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

## deb: bin/oomwarden_VERSION_ARCH.deb with dpkg-deb (NOBUILD=1 packs the bin/oomwarden already built)
deb: $(if $(NOBUILD),,build) man
	scripts/mkdeb.sh

clean:
	rm -rf bin artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj
