#!/usr/bin/env python3
"""Crossing -> SIGTERM per run from a sys_killer_test.py results directory, crossing interpolated.

sys_killer_test.py times the crossing as the first memwatch sample at or below the threshold. A killer
that reacts faster than memwatch's sampling interval stops the hog before memwatch ever sees
MemAvailable at the threshold (the hog's fill stops at SIGTERM), and the run then has no figure at
all. Here the crossing instant is estimated the same way for every killer, from the same samples:

  * memwatch saw the crossing before SIGTERM: linear interpolation between the last sample above the
    threshold and the first one at or below it;
  * it did not: extrapolation from the last sample before SIGTERM, at the fill rate of the samples of
    the 50 ms before it (the hog fills at a steady rate).

The latency is SIGTERM (the hog's own CLOCK_MONOTONIC timestamp in its handler) minus that instant;
it is never shorter than the driver's figure. Prints one JSON object: per-run values, median, max.

  latency-summary.py RESULTS_DIR
"""
import json
import os
import re
import statistics
import sys


def samples(path):
    out = []
    for line in open(path):
        if line.startswith("S "):
            _, t, v = line.split()[:3]
            out.append((int(t), int(v)))
    return out


def sigterm_ns(path):
    for line in open(path):
        m = re.match(r"SIGTERM mono_ns=(\d+)", line)
        if m:
            return int(m.group(1))
    return None


def crossing_ns(s, thr_kib, t_term):
    before = [p for p in s if p[0] <= t_term]
    for i, (t, v) in enumerate(before):
        if v <= thr_kib and i > 0:
            t0, v0 = before[i - 1]
            return t0 + (t - t0) * (v0 - thr_kib) / max(1, v0 - v), "interpolated"
    if len(before) < 2:
        return None, "no samples"
    t1, v1 = before[-1]
    window = [p for p in before if p[0] >= t1 - 50_000_000]
    if len(window) < 2:
        window = before[-2:]
    (ta, va), (tb, vb) = window[0], window[-1]
    rate = (va - vb) / (tb - ta)  # KiB per ns, > 0 while filling
    if rate <= 0:
        return None, "not filling"
    return t1 + (v1 - thr_kib) / rate, "extrapolated"


def main():
    d = sys.argv[1]
    res = json.load(open(os.path.join(d, "results.json")))
    thr = res["threshold_kib"]
    runs = []
    for r in res["runs"]:
        i = r["run"]
        t_term = sigterm_ns(os.path.join(d, f"run{i}.hog.txt"))
        if t_term is None:
            runs.append({"run": i, "ms": None, "how": "no SIGTERM"})
            continue
        tc, how = crossing_ns(samples(os.path.join(d, f"run{i}.memwatch.txt")), thr, t_term)
        ms = None if tc is None else round((t_term - tc) / 1e6, 2)
        runs.append({"run": i, "ms": ms, "how": how, "driver_ms": r.get("cross_to_sigterm_ms")})
    xs = [r["ms"] for r in runs if r["ms"] is not None]
    print(json.dumps({
        "n": len(xs), "runs": len(runs),
        "median_ms": round(statistics.median(xs), 1) if xs else None,
        "max_ms": round(max(xs), 1) if xs else None,
        "per_run": runs,
    }))


if __name__ == "__main__":
    main()
