#!/usr/bin/env python3
"""The managed methods the running daemon really executes, method by method, and the order file that packs them.

  hotmethods.py BINARY --out ORDER_FILE [--idle 65] [--crossing 20] [--config deploy/oomwarden.toml] [--report FILE]

BINARY is an unstripped build of the daemon (oomwardend; `scripts/mkorder.sh` publishes one and calls this).
Every managed method body (a sized symbol in __managedcode) gets a uprobe (tracefs `uprobe_events`, group
`owhot<pid>`, on BINARY's inode only: no other executable is touched); `uprobe_profile` counts the hits of each.
Phases, each a fresh daemon, dry run:
  1. idle, built-in policy, then idle, --config (the shipped config), --idle seconds each (a re-listing every 30 s);
     every daemon with a control socket of its own in a temporary directory;
  2. crossing: the system domain's term level at 99 % with every process protected but this script's own `sleep`
     (renamed hog), so the daemon decides, selects and journals a dry-run kill every few seconds.
Counts are read when the daemon's log says `watching` (start-up done), when it says `working set:` (the start-up
trim's window is over: what ran inside it is kept resident) and at the end. ORDER_FILE lists, in this order:
  * the methods run in the idle phases after the window (steady idle);
  * then those run in the crossing phase after its start-up (decide, select, journal) and not idle;
  * then those run inside a window and nowhere later (the rehearsal, the trim cycle's own steps: resident after
    the trim anyway, so packed after the hot ones instead of scattered over the rest of the text).
Methods that ran only before `watching` (the CLI, the config loader, Tomlyn, start-up checks) are not listed:
ILC lays them out after the list, where the trim gives their pages back. Unlike bench/footprint/hotpages.py
(accessed bits, a page at a time: every method on a page the daemon touched, which a list then keeps together
for good), a method is listed only if it ran. --report writes the counts per phase (TSV). Needs root, nm, readelf.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TRACEFS = "/sys/kernel/tracing"


def managed_bodies(binary):
    """{file offset: [names]} of the sized functions in __managedcode (ICF: several names on one body)."""
    sec = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in sec.splitlines():
        if "__managedcode" in line:
            f = line.split("]", 1)[1].split()
            addr, off, size = int(f[2], 16), int(f[3], 16), int(f[4], 16)
            break
    else:
        sys.exit("hotmethods: no __managedcode section (not a NativeAOT binary?)")
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    bodies = {}
    for line in out.splitlines():
        f = line.split(None, 3)
        if len(f) == 4 and f[2] in "tT":
            a, n = int(f[0], 16), int(f[1], 16)
            if addr <= a < addr + size and n > 0:
                bodies.setdefault(a - addr + off, []).append(f[3])
    if not bodies:
        sys.exit("hotmethods: no sized symbols in __managedcode: is the binary stripped?")
    return bodies


def ensure_tracefs():
    if not os.path.exists(os.path.join(TRACEFS, "uprobe_events")):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=True)


class Probes:
    def __init__(self, binary, offsets):
        self.group = f"owhot{os.getpid()}"
        self.binary = binary
        fd = os.open(os.path.join(TRACEFS, "uprobe_events"), os.O_WRONLY | os.O_APPEND)
        self.events = {}
        try:
            for off in offsets:
                name = f"m{off:x}"
                try:
                    os.write(fd, f"p:{self.group}/{name} {binary}:{off:#x}\n".encode())
                    self.events[name] = off
                except OSError:
                    pass  # an instruction uprobes cannot step: that method is not seen
        finally:
            os.close(fd)
        with open(os.path.join(TRACEFS, "events", self.group, "enable"), "w") as f:
            f.write("1")

    def counts(self):
        hits = {}
        with open(os.path.join(TRACEFS, "uprobe_profile")) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[1] in self.events:
                    hits[self.events[p[1]]] = int(p[2])
        return hits

    def remove(self):
        try:
            with open(os.path.join(TRACEFS, "events", self.group, "enable"), "w") as f:
                f.write("0")
        except OSError:
            pass
        # An empty event name removes every event of the group (one write; one per event takes minutes).
        fd = os.open(os.path.join(TRACEFS, "uprobe_events"), os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, f"-:{self.group}/\n".encode())
        except OSError:
            for name in self.events:
                try:
                    os.write(fd, f"-:{self.group}/{name}\n".encode())
                except OSError:
                    pass
        finally:
            os.close(fd)


def wait_for(log_path, text, p, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if p.poll() is not None:
            sys.exit(f"hotmethods: the daemon exited ({p.returncode}); see {log_path}")
        with open(log_path) as f:
            if text in f.read():
                return True
        time.sleep(0.05)
    return False


def phase(binary, args, seconds, work, label, probes, env):
    """(start-up, window, steady) sets of offsets executed in each part of one daemon's run."""
    log_path = os.path.join(work, f"{label}.log")
    before = probes.counts()
    p = subprocess.Popen([binary, "run", "--dry-run", "--events", os.path.join(work, f"{label}.jsonl")] + args,
                         stdout=open(log_path, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True, env=env)
    try:
        if not wait_for(log_path, "watching", p, 120):
            sys.exit(f"hotmethods: no `watching` in {log_path} after 120 s")
        started = probes.counts()
        windowed = wait_for(log_path, "working set:", p, 30)
        window = probes.counts()
        time.sleep(seconds)
        end = probes.counts()
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

    def ran(a, b):
        return {o for o, n in b.items() if n > a.get(o, 0)}
    if not windowed:
        print(f"hotmethods: {label}: no `working set:` line (trim off?): no window phase", file=sys.stderr)
    return ran(before, started), ran(started, window), ran(window, end)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--out", required=True)
    ap.add_argument("--idle", type=float, default=65)
    ap.add_argument("--crossing", type=float, default=20)
    ap.add_argument("--config", default="deploy/oomwarden.toml")
    ap.add_argument("--report", default=None)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("hotmethods: needs root (tracefs uprobes)")
    for tool in ("nm", "readelf"):
        if not shutil.which(tool):
            sys.exit(f"hotmethods: {tool} missing")
    binary = os.path.abspath(a.binary)
    bodies = managed_bodies(binary)
    ensure_tracefs()
    work = tempfile.mkdtemp(prefix="oomwarden-hotmethods.")
    env = dict(os.environ)
    env.pop("OOMWARDEN_NO_WORKING_SET_TRIM", None)
    probes = Probes(binary, sorted(bodies))
    try:
        phases = {}
        # Each daemon listens on a control socket of its own: another daemon's probe of /run/oomwarden/control
        # (or a `status` from another session) would put the status code among the idle methods.
        def config(name, text):
            path = os.path.join(work, name)
            with open(path, "w") as f:
                f.write(text + f'\n[control]\nsocket = "{work}/{name}.control"\n')
            return path
        phases["idle"] = phase(binary, ["--config", config("builtin.toml", "")], a.idle, work, "idle", probes, env)
        if a.config and os.path.exists(a.config):
            shipped = open(a.config).read()
            if "[control]" in shipped:
                sys.exit(f"hotmethods: {a.config} has a [control] table: give a copy without it")
            phases["idle-config"] = phase(binary, ["--config", config("shipped.toml", shipped)], a.idle, work,
                                          "idle-config", probes, env)
        hog_dir = os.path.join(work, "lab")
        os.makedirs(hog_dir)
        shutil.copy("/bin/sleep", os.path.join(hog_dir, "hog"))
        hog = subprocess.Popen([os.path.join(hog_dir, "hog"), str(int(a.crossing + 120))])
        cfg = config("crossing.toml", '[system]\nmem_available_term = "99%"\nmem_available_kill = "98%"\n[cgroups]\nenabled = false\n'
                     f'[[rule]]\nname = "hog"\ncomm = "hog"\nexe = "{hog_dir}/hog"\npriority = -1000\n'
                     '[[rule]]\nname = "everything else"\ncomm = "**"\nprotect = true\n')
        try:
            phases["crossing"] = phase(binary, ["--config", cfg], a.crossing, work, "crossing", probes, env)
        finally:
            hog.kill()
            hog.wait()
    finally:
        probes.remove()
        shutil.rmtree(work, ignore_errors=True)
    idle = set().union(*(phases[k][2] for k in phases if k.startswith("idle")))
    crossing = (phases["crossing"][1] | phases["crossing"][2]) - idle
    window = set().union(*(phases[k][1] for k in phases)) - idle - crossing
    startup = set().union(*(phases[k][0] for k in phases)) - idle - crossing - window
    with open(a.out, "w") as f:
        for group in (idle, crossing, window):
            for off in sorted(group):
                for n in bodies[off]:
                    f.write(n + "\n")
    if a.report:
        with open(a.report, "w") as f:
            for group, label in ((idle, "idle"), (crossing, "crossing"), (window, "window"), (startup, "startup")):
                for off in sorted(group):
                    f.write(f"{label}\t{off:#x}\t{bodies[off][0]}\n")

    def size(group):
        return sum(next_size(off) for off in group) // 1024
    ends = sorted(bodies)
    nxt = {o: (ends[i + 1] if i + 1 < len(ends) else o) for i, o in enumerate(ends)}

    def next_size(off):
        return nxt[off] - off
    print(f"hotmethods: {len(probes.events)} of {len(bodies)} managed bodies probed; ran: idle {len(idle)} "
          f"(~{size(idle)} KiB), crossing only {len(crossing)} (~{size(crossing)} KiB), window only {len(window)} "
          f"(~{size(window)} KiB), start-up only {len(startup)} (~{size(startup)} KiB, not listed) -> {a.out}")


if __name__ == "__main__":
    main()
