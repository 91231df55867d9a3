#!/usr/bin/env python3
"""How a daemon's resident set moves after start: RSS by owner (smaps.py's groups) at given times.

  regrowth.py [--at 2,20,40,70,180] [--json FILE] LABEL='CMD ARGS' [LABEL='CMD ARGS' ...]

Starts every command at once (each in its own process group, output to /tmp/regrowth-LABEL.log) and, at each
time after start (seconds), reads each daemon's /proc/PID/smaps: VmRSS, the groups that matter (exe text,
exe rodata, libc, ld.so, .hydrated, GC heap and runtime), the number of mappings (one per page while the
working-set trim has its mappings split) and the CPU spent so far. Stops every daemon with SIGTERM by PID.
"""
import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import idle  # noqa: E402
import smaps  # noqa: E402

COLUMNS = [("exe text", "text"), ("exe rodata", "rodata"), ("libc.so.6", "libc"), ("ld-linux-x86-64.so.2", "ld.so"),
           ("exe bss (.bss, .hydrated)", ".hydrated"), ("anon (GC heap, runtime)", "GC+rt")]


def sample(pid):
    maps = smaps.mappings(pid)
    groups = smaps.group(pid, maps)
    cpu, _ = idle.threads(pid)
    row = {"rss": idle.status(pid)["VmRSS"], "mappings": len(maps), "cpu_ms": cpu / 1e6}
    for key, label in COLUMNS:
        row[label] = groups.get(key, {}).get("Rss", 0)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--at", default="2,20,40,70,180")
    ap.add_argument("--json", default=None)
    ap.add_argument("daemons", nargs="+", metavar="LABEL=CMD")
    a = ap.parse_args()
    at = [float(x) for x in a.at.split(",")]
    procs = {}
    for spec in a.daemons:
        label, _, cmd = spec.partition("=")
        log = open(f"/tmp/regrowth-{label}.log", "w")
        procs[label] = subprocess.Popen(shlex.split(cmd), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    t0 = time.monotonic()
    rows = []
    try:
        for t in at:
            time.sleep(max(0, t0 + t - time.monotonic()))
            for label, p in procs.items():
                if p.poll() is not None:
                    print(f"{label} exited ({p.returncode}); see /tmp/regrowth-{label}.log", file=sys.stderr)
                    return 1
                rows.append({"label": label, "t": t, **sample(p.pid)})
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
    print(f"{'daemon':<10} {'t s':>5} {'RSS':>6} " + " ".join(f"{label:>9}" for _, label in COLUMNS) + f" {'maps':>6} {'CPU ms':>8}   (KiB)")
    for r in rows:
        print(f"{r['label']:<10} {r['t']:>5.0f} {r['rss']:>6} " + " ".join(f"{r[label]:>9}" for _, label in COLUMNS)
              + f" {r['mappings']:>6} {r['cpu_ms']:>8.1f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
