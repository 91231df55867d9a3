# oomwarden: build, run, test, benchmark. Every target installs what it is missing (Debian 12, as root).
SHELL := /bin/bash
DOTNET ?= dotnet
BIN := bin/oomwarden
SHARED ?= $(abspath ../shared)
export OOMWARDEN_SHARED := $(SHARED)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all deps build run test test-unit test-integration bench install uninstall clean

all: build

deps:
	@scripts/deps.sh

## build: publish the NativeAOT binary to bin/oomwarden
build: deps
	$(DOTNET) publish src/OomWarden/OomWarden.csproj -c Release -o bin --nologo -v quiet -p:DebugType=none -p:DebugSymbols=false
	@ls -l $(BIN)

## run: the daemon in the foreground, dry-run, built-in policy (Ctrl-C stops it); the journal goes to a
## private directory (mktemp -d), never a fixed /tmp name another user could plant a link or a FIFO at
run: build
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/oomwarden-run.XXXXXX") && echo "journal: $$dir/events.jsonl" && \
	  $(BIN) run --dry-run --events "$$dir/events.jsonl"

## test: every test: unit, CLI golden, host integration (cgroup v1), vmlab integration (cgroup v2)
test: build
	@if [ -x "$(SHARED)/vmlab/vm-setup" ]; then "$(SHARED)/vmlab/vm-setup" >/dev/null || echo "vm-setup failed: vmlab tests will say why"; fi
	$(DOTNET) test --solution OomWarden.slnx -c Release --no-progress --max-parallel-test-modules 1

## bench: benchmarks that print figures and ratios against references (see README)
bench: build
	@scripts/deps.sh --bench
	bench/run-all.sh

## install: binary, systemd unit, default config directory
install: build
	install -D -m 0755 $(BIN) /usr/local/sbin/oomwarden
	install -D -m 0644 deploy/oomwarden.service /etc/systemd/system/oomwarden.service
	install -d -m 0755 /etc/oomwarden /var/lib/oomwarden
	[ -e /etc/oomwarden/oomwarden.toml ] || install -m 0644 deploy/oomwarden.toml /etc/oomwarden/oomwarden.toml
	/usr/local/sbin/oomwarden check-config /etc/oomwarden/oomwarden.toml >/dev/null
	@echo "installed; start with: systemctl daemon-reload && systemctl enable --now oomwarden"

uninstall:
	rm -f /usr/local/sbin/oomwarden /etc/systemd/system/oomwarden.service

clean:
	rm -rf bin artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj
