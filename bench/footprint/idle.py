#!/usr/bin/env python3
"""Idle footprint of several daemons measured side by side, in the same run.

  idle.py [--warmup 3] [--window 60] [--offsets 0,10,20,30] [--json FILE] LABEL='CMD ARGS' [LABEL='CMD ARGS' ...]

Starts every command at once (each in its own process group, output to /tmp/idle-LABEL.log), waits --warmup
seconds, then samples every 10 s until the last window ends (warmup + max offset + window). For each daemon
and each 60 s window starting at the given offsets it reports:
  * CPU ms: on-CPU time of all threads (sum of /proc/PID/task/*/schedstat, ns resolution);
  * wake-ups: voluntary context switches of all threads (a thread that sleeps and is woken counts one);
and at the end: VmRSS, Pss, Locked, RssAnon, RssFile, threads, where the RSS is (smaps.py: by owner, from
/proc/PID/smaps) and the largest mappings.
Stops every daemon with SIGTERM by PID. Threads that exit during a window are not counted (none here).
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
import smaps  # noqa: E402


def threads(pid):
    cpu = wake = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                cpu += int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        wake += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return cpu, wake


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmLck", "RssAnon", "RssFile", "Threads"):
                out[k] = int(v.split()[0])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--offsets", default="0,10,20,30")
    ap.add_argument("--json", default=None)
    ap.add_argument("daemons", nargs="+", metavar="LABEL=CMD")
    a = ap.parse_args()
    offsets = [float(x) for x in a.offsets.split(",")]
    step = 10.0
    if any(o % step for o in offsets) or a.window % step:
        ap.error("offsets and window must be multiples of 10 s")
    procs = {}
    try:
        for spec in a.daemons:
            label, _, cmd = spec.partition("=")
            log = open(f"/tmp/idle-{label}.log", "w")
            procs[label] = subprocess.Popen(shlex.split(cmd), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        time.sleep(a.warmup)
        for label, p in procs.items():
            if p.poll() is not None:
                sys.exit(f"idle: {label} exited early (code {p.returncode}); see /tmp/idle-{label}.log")
        samples = {label: [] for label in procs}
        end = max(offsets) + a.window
        t0 = time.monotonic()
        k = 0
        while True:
            for label, p in procs.items():
                samples[label].append(threads(p.pid))
            if k * step >= end:
                break
            k += 1
            time.sleep(max(0.0, t0 + k * step - time.monotonic()))
        result = {"warmup_s": a.warmup, "window_s": a.window, "daemons": {}}
        for label, p in procs.items():
            s = samples[label]
            windows = []
            for o in offsets:
                i, j = int(o / step), int((o + a.window) / step)
                windows.append({"offset_s": o, "cpu_ms": round((s[j][0] - s[i][0]) / 1e6, 2),
                                "wakeups": s[j][1] - s[i][1]})
            mem = status(p.pid)
            roll = smaps.rollup(p.pid)
            mem.update({"Pss": roll.get("Pss"), "Locked": roll.get("Locked")})
            maps = smaps.mappings(p.pid)
            groups = smaps.group(p.pid, maps)
            largest = [{"rss_kib": m["Rss"], "size_kib": (m["hi"] - m["lo"]) // 1024, "perms": m["perms"],
                        "path": m["path"] or "(anonymous)"} for m in sorted(maps, key=lambda m: -m["Rss"])[:6]]
            result["daemons"][label] = {"cmd": " ".join(p.args), "windows": windows, "memory_kib": mem,
                                        "rss_by_owner_kib": {n: g["Rss"] for n, g in groups.items() if g["Rss"]},
                                        "largest_mappings": largest}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f)
    for label, d in result["daemons"].items():
        m = d["memory_kib"]
        print(f"  {label}: RSS {m['VmRSS'] / 1024:.1f} MiB (Pss {m['Pss'] / 1024:.1f}, locked {m['Locked'] / 1024:.1f}, "
              f"anon {m['RssAnon'] / 1024:.1f}, file {m['RssFile'] / 1024:.1f}), {m['Threads']} threads")
        for w in d["windows"]:
            print(f"    {a.window:.0f} s from +{w['offset_s']:.0f} s: CPU {w['cpu_ms']:.1f} ms, {w['wakeups']} wake-ups")
        owners = sorted(d["rss_by_owner_kib"].items(), key=lambda kv: -kv[1])
        print("    RSS by owner (KiB): " + ", ".join(f"{n} {v}" for n, v in owners))
        print("    largest mappings (KiB resident of size): " + ", ".join(
            f"{m['rss_kib']} of {m['size_kib']} {m['perms']} {os.path.basename(m['path'])}" for m in d["largest_mappings"]))


if __name__ == "__main__":
    main()
