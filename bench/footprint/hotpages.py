#!/usr/bin/env python3
"""Which code pages the running daemon really touches, and the method order that packs them together.

  hotpages.py BINARY --out ORDER_FILE [--idle 60] [--crossing 20]

BINARY must be an unstripped build of oomwarden (the same code as the shipped one, with its symbol table):
  dotnet publish src/OomWarden/OomWarden.csproj -c Release -o /tmp/ow-prof -p:StripSymbols=false \\
      -p:DebugType=none -p:DebugSymbols=false
(`scripts/mkorder.sh` does all of it and writes src/OomWarden/hot-methods.txt.) Two phases, each a fresh daemon, dry run:
  1. idle: the built-in policy, --idle seconds (a re-listing of the cgroup tree every 30 s);
  2. crossing: the system domain's term level at 99 % with every process protected but this script's own
     `sleep` (renamed hog), so the daemon decides, selects and journals a dry-run kill every few seconds.
Per phase: after the daemon has started (trim and rehearsal done), gdb splits the executable's text mapping
into one mapping per 4 KiB page (madvise MADV_RANDOM on every other page: neighbouring mappings with
different flags do not merge), `/proc/PID/clear_refs` clears the accessed bits, and after the phase each
page's `Referenced:` line in /proc/PID/smaps says whether it was executed. Fault-around maps 64 KiB around a
fault, so `Rss` cannot tell; the accessed bit can. The managed methods (symbols in `__managedcode`) on a
referenced page are written to ORDER_FILE, idle ones first, for `IlcOrderFile` (ILC's --order with
--method-layout:explicit): they end up next to each other, so the daemon's working set is a few dense
64 KiB windows instead of touching most of the text. Native runtime code (.text: the GC) is not reordered.
Needs root, gdb, nm.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PAGE = 4096


def text_mapping(pid, exe):
    for line in open(f"/proc/{pid}/maps"):
        f = line.split()
        if len(f) >= 6 and f[5] == exe and "x" in f[1]:
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            return lo, hi, int(f[2], 16)
    raise SystemExit(f"hotpages: no executable mapping of {exe} in {pid}")


def split_pages(pid, lo, hi):
    """One VMA per page: MADV_RANDOM on every other page, called inside the daemon by gdb."""
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        for a in range(lo, hi, 2 * PAGE):
            f.write(f"call (int)madvise((void*){a:#x}, {PAGE}, 1)\n")
        path = f.name
    try:
        r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-x", path], capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(path)
    bad = [l for l in r.stdout.splitlines() if l.startswith("$") and not l.endswith("= 0")]
    if r.returncode != 0 or bad:
        sys.exit(f"hotpages: gdb madvise failed: {bad[:3]} {r.stderr[-500:]}")


def referenced_pages(pid, exe, lo, hi):
    pages, cur = set(), None
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split(None, 1)[0]
        if "-" in head and not head.endswith(":"):
            f = line.split()
            a, b = (int(x, 16) for x in f[0].split("-"))
            cur = (a, b) if len(f) >= 6 and f[5] == exe and lo <= a < hi else None
        elif cur and head == "Referenced:" and int(line.split()[1]) > 0:
            a, b = cur
            if b - a == PAGE:
                pages.add(a)
            else:  # a mapping that did not split (should not happen): count all of it
                pages.update(range(a, b, PAGE))
    return pages


def managed_symbols(binary):
    """[(start, end, name)] of the functions in __managedcode, from the symbol table."""
    sec = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in sec.splitlines():
        if "__managedcode" in line:
            f = line.split("]", 1)[1].split()
            mlo, msize = int(f[2], 16), int(f[4], 16)
            break
    else:
        sys.exit("hotpages: no __managedcode section (not a NativeAOT binary?)")
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split(None, 3)
        if len(f) == 4 and f[2] in "tT":
            addr, size = int(f[0], 16), int(f[1], 16)
            if mlo <= addr < mlo + msize and size > 0:
                syms.append((addr, addr + size, f[3]))
    if not syms:
        sys.exit("hotpages: no sized symbols in __managedcode: is the binary stripped?")
    return sorted(syms)


def phase(binary, args, seconds, work, label, extra=None):
    log = open(os.path.join(work, f"{label}.log"), "w")
    p = subprocess.Popen([binary, "run", "--dry-run", "--events", os.path.join(work, f"{label}.jsonl")] + args,
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(4)
        if p.poll() is not None:
            sys.exit(f"hotpages: the daemon exited ({p.returncode}); see {log.name}")
        exe = os.readlink(f"/proc/{p.pid}/exe")
        lo, hi, off = text_mapping(p.pid, exe)
        split_pages(p.pid, lo, hi)
        with open(f"/proc/{p.pid}/clear_refs", "w") as f:
            f.write("1")
        time.sleep(seconds)
        pages = referenced_pages(p.pid, exe, lo, hi)
        # file address of each page = page - mapping start + file offset (+ the ELF's vaddr == offset here)
        return {a - lo + off for a in pages}, (hi - lo)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if extra:
            extra()


def methods_on(pages, syms):
    names = []
    for lo, hi, name in syms:
        first, last = lo // PAGE * PAGE, (hi - 1) // PAGE * PAGE
        if any(pg in pages for pg in range(first, last + PAGE, PAGE)):
            names.append(name)
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--out", required=True)
    ap.add_argument("--idle", type=float, default=65)
    ap.add_argument("--crossing", type=float, default=20)
    a = ap.parse_args()
    for tool in ("gdb", "nm", "readelf"):
        if not shutil.which(tool):
            sys.exit(f"hotpages: {tool} missing")
    binary = os.path.abspath(a.binary)
    syms = managed_symbols(binary)
    work = tempfile.mkdtemp(prefix="oomwarden-hotpages.")
    try:
        idle, size = phase(binary, [], a.idle, work, "idle")
        # The crossing phase: a private copy of sleep named hog is the only process the policy may pick.
        hog_dir = os.path.join(work, "lab")
        os.makedirs(hog_dir)
        shutil.copy("/bin/sleep", os.path.join(hog_dir, "hog"))
        hog = subprocess.Popen([os.path.join(hog_dir, "hog"), str(int(a.crossing + 60))])
        cfg = os.path.join(work, "crossing.toml")
        with open(cfg, "w") as f:
            f.write('[system]\nmem_available_term = "99%"\nmem_available_kill = "98%"\n[cgroups]\nenabled = false\n'
                    f'[[rule]]\nname = "hog"\ncomm = "hog"\nexe = "{hog_dir}/hog"\npriority = -1000\n'
                    '[[rule]]\nname = "everything else"\ncomm = "**"\nprotect = true\n')
        crossing, _ = phase(binary, ["--config", cfg], a.crossing, work, "crossing", extra=hog.kill)
        hog.wait()
        idle_m = methods_on(idle, syms)
        seen = set(idle_m)
        cross_m = [n for n in methods_on(crossing, syms) if n not in seen]
        with open(a.out, "w") as f:
            for n in idle_m + cross_m:
                f.write(n + "\n")
        total = sum(hi - lo for lo, hi, _ in syms)
        hot = sum(hi - lo for lo, hi, n in syms if n in seen or n in set(cross_m))
        print(f"hotpages: text {size // 1024} KiB; referenced pages: idle {len(idle) * 4} KiB, crossing "
              f"{len(crossing) * 4} KiB, both {len(idle | crossing) * 4} KiB; {len(idle_m)} + {len(cross_m)} managed "
              f"methods ({hot // 1024} of {total // 1024} KiB of managed code) -> {a.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
