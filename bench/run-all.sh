#!/usr/bin/env bash
# make bench: every figure of the issue's acceptance text, in one run, side by side with its reference.
#   1. one memory poll (/proc/meminfo + /proc/pressure/memory): bin/oomwarden bench poll vs a C reference
#      (bench/poll/poll.c, gcc -O2, built here); ratio
#   2. bytes allocated per monitoring tick: bin/oomwarden bench tick
#   3. idle footprint (CPU ms and wake-ups of all threads per 60 s window at offsets 0/10/20/30 s, RSS and where
#      it is) of oomwarden and earlyoom running side by side: bench/footprint/idle.py
#   4. crossing -> SIGTERM latency, same hog, same threshold, earlyoom then oomwarden:
#      ../shared/lab/sys_killer_test.py (fills all but 3 GiB of RAM system-wide: nothing else heavy may run);
#      the crossing instant is interpolated from memwatch's samples by bench/latency-summary.py, because a
#      killer faster than the sampling interval stops the hog before memwatch sees the crossing
#   5. the selector, analyze, simulate and notify benchmarks, when bench/{selector,analyze,simulate,notify,notify-dbus}/run.sh exist
# Then one table: figure, oomwarden, reference, target, met?
#
# Needs root, bin/oomwarden (make build), earlyoom (scripts/deps.sh --bench), gcc, python3.
# BENCH_QUICK=1: 3 latency runs per killer and 20 s idle windows at +0/+10 s (figures scaled to a minute).
# BENCH_KEEP=1 keeps the work directory (driver logs, JSON) instead of deleting it.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=$ROOT/bin/oomwarden
SHARED=${OOMWARDEN_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
LAB_SRC=$SHARED/lab
QUICK=${BENCH_QUICK:-0}
THRESHOLD_PCT=20               # the driver's --threshold-pct; bench/latency.toml's mem_available_term must match
RATE_MIBS=1024                 # hog fill rate
MODE=file                      # hog mlocks a cached file: reaches the rate on this VM (anon tops out at ~0.5 GiB/s)
SAMPLE_US=1000                 # memwatch's MemAvailable sampling interval (the driver's default is 5 ms)
HOG_TIMEOUT=45                 # s: the hog's own lifetime if no killer acts (it holds at its 1.5 GiB floor until then)
if [ "$QUICK" = 1 ]; then RUNS=3; IDLE_S=20; IDLE_OFFSETS=0,10; else RUNS=10; IDLE_S=60; IDLE_OFFSETS=0,10,20,30; fi
EARLYOOM_LATENCY="earlyoom -m $THRESHOLD_PCT -r 1 --prefer '(^|/)hog\$'"   # the driver's default killer

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the latency test signals processes and mlocks memory)"
[ -x "$BIN" ] || die "$BIN missing: run 'make build' first"
[ -r "$LAB_SRC/sys_killer_test.py" ] || die "$LAB_SRC/sys_killer_test.py missing (set OOMWARDEN_SHARED)"
command -v earlyoom >/dev/null || die "earlyoom missing: scripts/deps.sh --bench installs it"
for t in gcc make python3; do command -v $t >/dev/null || die "$t missing: scripts/deps.sh installs it"; done
grep -q "^mem_available_term = \"$THRESHOLD_PCT%\"" bench/latency.toml \
  || die "bench/latency.toml: mem_available_term must be \"$THRESHOLD_PCT%\" (the driver's --threshold-pct)"

# The hog's path must contain "oomwarden-bench.": bench/latency.toml only lets oomwarden kill that hog.
WORK=$(mktemp -d /tmp/oomwarden-bench.XXXXXX)
DRIVER_PID=
EXTRA_PIDS=()

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # A driver runs in its own session (setsid) with everything it started: stop that group by its id.
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    echo "bench: stopping driver $DRIVER_PID and its processes" >&2
    kill -INT -- "-$DRIVER_PID" 2>/dev/null || true   # python runs its finally: blocks (stop by pid, delete file)
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$DRIVER_PID" 2>/dev/null || true
  fi
  # Belt and braces: any process still running one of this run's binaries (hog, memwatch, oomwarden's journal
  # under $WORK) was started by this script.
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "$exe" in "$WORK"/*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
  done
  rm -f "$WORK/oomlab-file.bin"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in its own session so cleanup can stop it with everything it started; output to a file.
run_driver() {
  local out=$1; shift
  setsid "$@" >"$out" 2>&1 &
  DRIVER_PID=$!
  local rc=0
  wait "$DRIVER_PID" || rc=$?
  DRIVER_PID=
  return $rc
}

kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }   # kv LINE KEY: the value of KEY=VALUE in LINE
json() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d'"$2"')' <"$1"; }

echo "oomwarden bench: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPU, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $("$BIN" version), $(earlyoom -v 2>&1 | head -1), quick=$QUICK"

# ---------------------------------------------------------------- 1. poll vs C reference
echo
echo "== 1. one memory poll (/proc/meminfo + /proc/pressure/memory), ns: median of 9 batches of 2000"
gcc -O2 -Wall -Wextra -o "$WORK/poll-ref" bench/poll/poll.c
# Alternate the two programs and keep each one's best median: the machine is shared, so a round can be
# slowed by someone else; the best round is the figure least disturbed.
best_c= best_ow=
for round in 1 2 3 4 5; do
  c=$("$WORK/poll-ref"); ow=$("$BIN" bench poll)
  echo "  round $round: C $(kv "$c" ns_per_op) ns, oomwarden $(kv "$ow" ns_per_op) ns ($(kv "$ow" alloc_bytes_per_op) B/poll)"
  best_c=$(python3 -c "print(min(x for x in ($(kv "$c" ns_per_op), ${best_c:-1e18})))")
  best_ow=$(python3 -c "print(min(x for x in ($(kv "$ow" ns_per_op), ${best_ow:-1e18})))")
  poll_alloc=$(kv "$ow" alloc_bytes_per_op)
done
poll_ratio=$(python3 -c "print(f'{$best_ow/$best_c:.2f}')")
echo "  best: C $best_c ns, oomwarden $best_ow ns, ratio $poll_ratio"

# ---------------------------------------------------------------- 2. tick
echo
echo "== 2. monitoring tick (every domain read and the engine stepped, over this host, built-in defaults)"
tick=$("$BIN" bench tick --iterations 2000)
echo "  $tick"
tick_alloc=$(kv "$tick" alloc_bytes_per_op)
tick_ns=$(kv "$tick" ns_per_op)

# ---------------------------------------------------------------- 3. idle footprint
echo
echo "== 3. idle footprint, oomwarden and earlyoom side by side: ${IDLE_S} s windows from +${IDLE_OFFSETS//,/ s, +} s (3 s warm-up)"
cp -r "$LAB_SRC" "$WORK/lab"
chmod -R u+w "$WORK/lab"
make -s -C "$WORK/lab" >/dev/null
run_driver "$WORK/idle.txt" python3 bench/footprint/idle.py --warmup 3 --window "$IDLE_S" --offsets "$IDLE_OFFSETS" \
  --json "$WORK/idle.json" oomwarden="$BIN run --dry-run --events $WORK/idle-events.jsonl" earlyoom="earlyoom" \
  oomwarden-system="$BIN run --dry-run --config bench/footprint/system-only.toml --events $WORK/idle-system-events.jsonl" \
  || { cat "$WORK/idle.txt" >&2; die "bench/footprint/idle.py failed"; }
cat "$WORK/idle.txt"
scale=$(python3 -c "print(60/$IDLE_S)")
idlefig() {  # idlefig WHO EXPR: EXPR over d, WHO's entry in idle.json
  python3 -c "import json; d=json.load(open('$WORK/idle.json'))['daemons']['$1']; print($2)"
}
for who in oomwarden earlyoom; do   # the worst window of each, per minute
  declare "cpu_$who=$(idlefig $who "max(w['cpu_ms'] for w in d['windows'])*$scale")"
  declare "wake_$who=$(idlefig $who "max(w['wakeups'] for w in d['windows'])*$scale")"
  declare "rss_$who=$(idlefig $who "d['memory_kib']['VmRSS']/1024")"
done
# The system domain only, as earlyoom watches it (bench/footprint/system-only.toml): on a machine where other
# work fills limited cgroups, the built-in policy decides (dry run) for them and is not idle.
rss_system=$(idlefig oomwarden-system "d['memory_kib']['VmRSS']/1024")
pss_system=$(idlefig oomwarden-system "d['memory_kib']['Pss']/1024")
cpu_system=$(idlefig oomwarden-system "max(w['cpu_ms'] for w in d['windows'])*$scale")
wake_system=$(idlefig oomwarden-system "max(w['wakeups'] for w in d['windows'])*$scale")
# oomwarden's CPU must be at most earlyoom's in every window, not only in the worst of each.
cpu_every=$(python3 -c "import json; d=json.load(open('$WORK/idle.json'))['daemons']; print(all(a['cpu_ms'] <= b['cpu_ms'] for a, b in zip(d['oomwarden']['windows'], d['earlyoom']['windows'])))")

# ---------------------------------------------------------------- 4. latency
echo
echo "== 4. threshold crossing -> SIGTERM, system-wide, $RUNS runs each: --mode $MODE --rate $RATE_MIBS --threshold-pct $THRESHOLD_PCT"
# Pre-flight: with the term level at 99%, oomwarden (dry run) must pick a process running the bench's hog
# path and nothing else; a process called hog elsewhere must be protected.
mkdir -p "$WORK/lab/check" && cp /bin/sleep "$WORK/lab/check/hog"
sed "s/^mem_available_term = .*/mem_available_term = \"99%\"/; s/^mem_available_kill = .*/mem_available_kill = \"98%\"/" \
  bench/latency.toml >"$WORK/preflight.toml"
mv "$WORK/lab/hog" "$WORK/lab/hog.real"; cp /bin/sleep "$WORK/lab/hog"
"$WORK/lab/hog" 60 & fake=$!; EXTRA_PIDS+=("$fake")
"$WORK/lab/check/hog" 60 & other=$!; EXTRA_PIDS+=("$other")
sleep 0.3
"$BIN" run --dry-run --no-mlock --config "$WORK/preflight.toml" --events "$WORK/preflight.jsonl" >"$WORK/preflight.log" 2>&1 & ow=$!
EXTRA_PIDS+=("$ow")
sleep 2; kill "$ow"; wait "$ow" || true
kill "$fake" "$other"; wait "$fake" "$other" 2>/dev/null || true
EXTRA_PIDS=()
mv -f "$WORK/lab/hog.real" "$WORK/lab/hog"
victims=$(python3 -c 'import json,sys; print(" ".join(str(e["pid"]) for e in map(json.loads, open(sys.argv[1])) if e.get("event")=="kill" and e.get("pid")))' "$WORK/preflight.jsonl")
[ "$victims" = "$fake" ] || { cat "$WORK/preflight.log" >&2; die "pre-flight: bench/latency.toml would not pick only the bench's hog (pid $fake; picked: '${victims:-none}'); not running the latency test"; }
echo "  pre-flight: bench/latency.toml picks the bench's hog only (a 'hog' elsewhere is protected)"

latency() {  # latency LABEL KILLER
  local label=$1 killer=$2
  echo "  $label: $killer"
  run_driver "$WORK/lat-$label.txt" python3 "$WORK/lab/sys_killer_test.py" --killer "$killer" --runs "$RUNS" \
    --rate "$RATE_MIBS" --mode "$MODE" --threshold-pct "$THRESHOLD_PCT" --hog-timeout "$HOG_TIMEOUT" \
    --interval-us "$SAMPLE_US" --file "$WORK/oomlab-file.bin" --out "$WORK/lat-$label" \
    || { tail -20 "$WORK/lat-$label.txt" >&2; die "sys_killer_test failed for $label"; }
  grep -E '^\| (threshold crossing -> SIGTERM|fill rate|overshoot|killer CPU)' "$WORK/lat-$label.txt" | sed 's/^/    driver: /'
  python3 bench/latency-summary.py "$WORK/lat-$label" >"$WORK/lat-$label.summary.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("    crossing (interpolated) -> SIGTERM, ms per run:", " ".join(str(r["ms"]) for r in d["per_run"]))' "$WORK/lat-$label.summary.json"
}
latency earlyoom "$EARLYOOM_LATENCY"
sleep 5
latency oomwarden "$BIN run --config $ROOT/bench/latency.toml --events $WORK/latency-events.jsonl"
# oomwarden's own journal: every kill must be the hog (the driver checks earlyoom's log the same way).
python3 - "$WORK/latency-events.jsonl" <<'EOF'
import collections, json, sys
kills = [e for e in map(json.loads, open(sys.argv[1])) if e.get("event") == "kill"]
by = collections.Counter((e.get("comm"), e.get("signal")) for e in kills)
print("    oomwarden journal:", ", ".join(f"{n}x {s} to {c}" for (c, s), n in sorted(by.items())) or "no kills")
wrong = [e for e in kills if e.get("comm") != "hog"]
if wrong:
    sys.exit(f"bench: oomwarden killed something other than the hog: {wrong}")
EOF
lat() {  # lat LABEL median_ms|max_ms|n: crossing interpolated from memwatch's samples (bench/latency-summary.py)
  json "$WORK/lat-$1.summary.json" "['$2']" | sed 's/^None$/n\/a/'
}

# ---------------------------------------------------------------- 5. other benchmarks
for extra in bench/selector/run.sh bench/analyze/run.sh bench/simulate/run.sh bench/notify/run.sh bench/notify-dbus/run.sh; do
  if [ -x "$extra" ]; then echo; echo "== $extra"; "$extra"; fi
done

# ---------------------------------------------------------------- table
met() { python3 -c "print('yes' if $1 else 'NO')"; }
p50_ow=$(lat oomwarden median_ms); max_ow=$(lat oomwarden max_ms); p50_eo=$(lat earlyoom median_ms); max_eo=$(lat earlyoom max_ms)
n_ow=$(lat oomwarden n); n_eo=$(lat earlyoom n)
per=$([ "$IDLE_S" = 60 ] && echo "per 60 s" || echo "per min (from $IDLE_S s)")
echo
echo "== summary (reference: C for the poll, earlyoom $(earlyoom -v 2>&1 | head -1 | sed 's/earlyoom //') for the rest)"
{
  printf '| %s | %s | %s | %s | %s |\n' "figure" "oomwarden" "reference" "target" "met?"
  printf '|%s|%s|%s|%s|%s|\n' "---" "---:" "---:" "---" "---"
  printf '| %s | %s | %s | %s | %s |\n' "memory poll (meminfo + PSI), ns" "$(printf %.0f "$best_ow")" "$(printf %.0f "$best_c") (C)" "<= 1.15x C (${poll_ratio}x)" "$(met "$poll_ratio <= 1.15")"
  printf '| %s | %s | %s | %s | %s |\n' "bytes allocated per poll" "$poll_alloc" "0 (C)" "0" "$(met "$poll_alloc == 0")"
  printf '| %s | %s | %s | %s | %s |\n' "bytes allocated per tick" "$tick_alloc" "-" "0" "$(met "$tick_alloc == 0")"
  printf '| %s | %s | %s | %s | %s |\n' "tick, ns" "$(printf %.0f "$tick_ns")" "-" "-" "-"
  printf '| %s | %s | %s | %s | %s |\n' "idle CPU, ms $per (worst window)" "$(printf %.1f "$cpu_oomwarden")" "$(printf %.1f "$cpu_earlyoom")" "<= earlyoom, every window" "$( [ "$cpu_every" = True ] && echo yes || echo NO)"
  printf '| %s | %s | %s | %s | %s |\n' "idle wake-ups $per (worst window)" "$(printf %.0f "$wake_oomwarden")" "$(printf %.0f "$wake_earlyoom")" "<= 20" "$(met "$wake_oomwarden <= 20")"
  printf '| %s | %s | %s | %s | %s |\n' "idle RSS, MiB" "$(printf %.1f "$rss_oomwarden")" "$(printf %.1f "$rss_earlyoom")" "<= 4" "$(met "$rss_oomwarden <= 4")"
  printf '| %s | %s | %s | %s | %s |\n' "idle, system domain only: RSS MiB (Pss), CPU ms, wake-ups $per" "$(printf '%.1f (%.1f), %.1f, %.0f' "$rss_system" "$pss_system" "$cpu_system" "$wake_system")" "$(printf '%.1f, %.1f, %.0f' "$rss_earlyoom" "$cpu_earlyoom" "$wake_earlyoom")" "RSS <= 4" "$(met "$rss_system <= 4")"
  printf '| %s | %s | %s | %s | %s |\n' "crossing -> SIGTERM p50, ms (n=$n_ow/$n_eo)" "$p50_ow" "$p50_eo" "<= 10" "$( [ "$p50_ow" = n/a ] && echo NO || met "$p50_ow <= 10")"
  printf '| %s | %s | %s | %s | %s |\n' "crossing -> SIGTERM max, ms" "$max_ow" "$max_eo" "<= 25" "$( [ "$max_ow" = n/a ] && echo NO || met "$max_ow <= 25")"
}
echo "(latency: $MODE mode, ${RATE_MIBS} MiB/s, threshold MemAvailable <= ${THRESHOLD_PCT}%; crossing interpolated from MemAvailable"
echo " sampled every $((SAMPLE_US / 1000)) ms by memwatch, SIGTERM as timestamped by the hog's handler; idle: both daemons at once, all threads counted, VmRSS at the end)"
