#!/usr/bin/env python3
"""Where a process's resident memory is: /proc/PID/smaps_rollup and /proc/PID/smaps grouped by what maps it.

  smaps.py PID [--top N] [--json]

Groups (KiB of Rss, Pss, Locked, Anonymous):
  exe text / exe rodata / exe data: the executable's own file mappings (r-x, r--, rw-);
  exe bss: the anonymous mapping right after the executable (.bss and NativeAOT's .hydrated);
  LIB: each shared library (libc, libm, ld.so, ...), all its mappings;
  stack THREAD: the mapping that holds a thread's stack pointer (from /proc/PID/task/TID/syscall);
  [heap], [stack], [vdso]...: as the kernel names them;
  anon: the other anonymous mappings (the GC heap and its bookkeeping, runtime allocations).
Then the N largest single mappings. Needs root (or the same user) to read another process's smaps.
"""
import argparse
import json
import os
import sys


def kib(line):
    return int(line.split()[1])


def mappings(pid):
    out, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head and not head.endswith(":"):
                parts = line.split(None, 5)
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                cur = {"lo": lo, "hi": hi, "perms": parts[1], "path": parts[5].strip() if len(parts) > 5 else "",
                       "Rss": 0, "Pss": 0, "Locked": 0, "Anonymous": 0}
                out.append(cur)
            elif cur is not None and head[:-1] in ("Rss", "Pss", "Locked", "Anonymous"):
                cur[head[:-1]] = kib(line)
    return out


def thread_stack_pointers(pid):
    """{sp: thread name} for the threads blocked in a system call (the sp is the 2nd-last field)."""
    sps = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as f:
                fields = f.read().split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if len(fields) >= 3 and fields[0] not in ("running", "-1"):
            sps[int(fields[-2], 16)] = f"{name} ({tid})"
    return sps


def rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                out[k] = int(v.split()[0])
    return out


def group(pid, maps):
    exe = os.readlink(f"/proc/{pid}/exe")
    sps = thread_stack_pointers(pid)
    groups = {}
    exe_end = max((m["hi"] for m in maps if m["path"] == exe), default=None)
    for m in maps:
        path, perms = m["path"], m["perms"]
        if path == exe:
            name = "exe text" if "x" in perms else "exe data" if "w" in perms else "exe rodata"
        elif path == "" and exe_end is not None and m["lo"] == exe_end:
            name = "exe bss (.bss, .hydrated)"
        elif path.startswith("/"):
            name = os.path.basename(path)
        elif path:
            name = path
        else:
            owner = next((t for sp, t in sps.items() if m["lo"] <= sp < m["hi"]), None)
            name = f"stack {owner}" if owner else "anon (GC heap, runtime)"
        g = groups.setdefault(name, {"Rss": 0, "Pss": 0, "Locked": 0, "Anonymous": 0, "mappings": 0})
        for k in ("Rss", "Pss", "Locked", "Anonymous"):
            g[k] += m[k]
        g["mappings"] += 1
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pid", type=int)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    maps = mappings(a.pid)
    r = rollup(a.pid)
    groups = group(a.pid, maps)
    if a.json:
        print(json.dumps({"rollup": r, "groups": groups}))
        return
    print(f"  smaps_rollup: Rss {r['Rss']} KiB, Pss {r['Pss']} KiB, Locked {r['Locked']} KiB "
          f"(Anonymous {r['Anonymous']}, Pss_File {r.get('Pss_File', '?')}, Private_Dirty {r['Private_Dirty']})")
    print(f"  {'by owner':<34} {'Rss':>6} {'Pss':>6} {'Locked':>6} {'Anon':>6}  KiB")
    for name, g in sorted(groups.items(), key=lambda kv: -kv[1]["Rss"]):
        if g["Rss"] == 0:
            continue
        print(f"  {name:<34} {g['Rss']:>6} {g['Pss']:>6} {g['Locked']:>6} {g['Anonymous']:>6}")
    print(f"  largest mappings (KiB Rss):")
    for m in sorted(maps, key=lambda m: -m["Rss"])[:a.top]:
        size = (m["hi"] - m["lo"]) // 1024
        print(f"  {m['Rss']:>6} of {size:>8}  {m['perms']}  {m['path'] or '(anonymous)'}")


if __name__ == "__main__":
    sys.exit(main())
