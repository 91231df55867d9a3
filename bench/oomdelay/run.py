#!/usr/bin/env python3
"""oom_delay benchmark (issue 11): cgroup v1 OOM event -> oomwarden's SIGKILL, p50 and max over repeated runs.

In a 256 MiB v1 memory cgroup a 1 MiB holder (the policy's first victim) sleeps while a grower allocates past the
limit. With oom_delay on, the kernel holds the grower and signals the OOM eventfd; this script registers its own
eventfd on the same memory.oom_control (t0, CLOCK_MONOTONIC) and watches the holder's pidfd (t1: the holder is
gone). t1 - t0 is an upper bound of event -> SIGKILL (it includes the 1 MiB holder's exit, well under a
millisecond). Reference, measured in the same run: this script itself as the killer (no daemon; oom_kill_disable
set by the script, SIGKILL sent from its own eventfd wake-up), the floor of any user-space reaction to the event.
The daemon is confined by its config to the bench's cgroup. Usage: bench/oomdelay/run.py [RUNS] (default 20).
"""
import os, select, signal, subprocess, sys, tempfile, time, uuid, shutil, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "bin", "oomwarden")
MEM = "/sys/fs/cgroup/memory"
LIMIT = 256 << 20


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def field(cg, name):
    for line in open(os.path.join(cg, "memory.oom_control")):
        k, v = line.split()
        if k == name:
            return int(v)
    return -1


def start(cg, hog, *args):
    p = subprocess.Popen(["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', os.path.join(cg, "cgroup.procs"), hog, *args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert p.stdout.readline().startswith("READY"), "hog did not start"
    return p


def kill_all(cg):
    for _ in range(100):
        pids = [int(x) for x in open(os.path.join(cg, "cgroup.procs")).read().split()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def one_run(cg, hog, own_kill):
    holder = start(cg, hog, "-s", "1", "-I", "-L", "60")
    while not holder.stdout.readline().startswith("HOLD"):
        pass
    efd = os.eventfd(0, os.EFD_CLOEXEC)
    ctl = os.open(os.path.join(cg, "memory.oom_control"), os.O_RDONLY | os.O_CLOEXEC)
    write(os.path.join(cg, "cgroup.event_control"), f"{efd} {ctl}")
    pidfd = os.pidfd_open(holder.pid)
    poller = select.poll()
    poller.register(efd, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    grower = start(cg, hog, "-s", "1000", "-L", "60")
    t0 = t1 = None
    deadline = time.monotonic() + 20
    while t1 is None and time.monotonic() < deadline:
        for fd, _ in poller.poll(1000):
            now = time.monotonic_ns()
            if fd == efd and t0 is None:
                t0 = now
                os.eventfd_read(efd)
                if own_kill:
                    os.kill(holder.pid, signal.SIGKILL)
            elif fd == pidfd and t1 is None:
                t1 = now
    grower.kill()
    kill_all(cg)
    holder.wait()
    grower.wait()
    for fd in (efd, ctl, pidfd):
        os.close(fd)
    if t0 is None or t1 is None:
        return None
    return (t1 - t0) / 1e6


def summary(name, xs):
    xs = sorted(xs)
    return f"{name}: n={len(xs)} p50 {statistics.median(xs):.2f} ms, max {xs[-1]:.2f} ms, min {xs[0]:.2f} ms"


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    if not os.path.exists(os.path.join(MEM, "memory.limit_in_bytes")):
        sys.exit(f"bench: no cgroup v1 memory controller at {MEM}")
    if not os.access(BIN, os.X_OK):
        sys.exit(f"bench: {BIN} missing: make build")
    work = tempfile.mkdtemp(prefix="oomwarden-bench-delay-")
    name = "oomwarden-bench-" + uuid.uuid4().hex[:8]
    cg = os.path.join(MEM, name)
    daemon = None
    try:
        hog = os.path.join(work, "hog")
        subprocess.check_call(["gcc", "-O2", "-o", hog, os.path.join(ROOT, "tests", "helpers", "hog.c")])
        os.mkdir(cg)
        write(os.path.join(cg, "memory.use_hierarchy"), "1")
        write(os.path.join(cg, "memory.limit_in_bytes"), str(LIMIT))

        # Reference: this script is the killer.
        write(os.path.join(cg, "memory.oom_control"), "1")
        ref = [x for x in (one_run(cg, hog, own_kill=True) for _ in range(runs)) if x is not None]
        write(os.path.join(cg, "memory.oom_control"), "0")

        config = os.path.join(work, "oomwarden.toml")
        write(config, f"""[system]
enabled = false
[cgroups]
include = ["/{name}"]
headroom_term = "0B"
headroom_kill = "0B"
oom_delay = "3s"
oom_delay_state = "{work}/run/oom-delay.state"
[monitor]
# What is measured is the OOM eventfd's path, so nothing else may find the full cgroup first: polls at most every
# 2 s, no usage-threshold or vmpressure wake-ups, a 1 MiB prepare band (no 250 ms decision refreshes). The OOM
# eventfd is oom_delay's own and stays armed.
min_interval = "2s"
events = false
max_fill_rate = "4MiB/s"
[action]
events = "{work}/events.jsonl"
[[rule]]
name = "holder"
cmdline = ["-s 1 "]
priority = -100
[[rule]]
name = "grower"
cmdline = ["-s 1000 "]
priority = 100
""")
        log = open(os.path.join(work, "daemon.log"), "w")
        daemon = subprocess.Popen([BIN, "run", "--config", config], stderr=log, stdout=log)
        for _ in range(200):
            if "watching" in open(os.path.join(work, "daemon.log")).read() and field(cg, "oom_kill_disable") == 1:
                break
            time.sleep(0.05)
        else:
            sys.exit("bench: the daemon did not arm:\n" + open(os.path.join(work, "daemon.log")).read())
        ours, early, missed = [], 0, 0
        for _ in range(runs):
            x = one_run(cg, hog, own_kill=False)
            if x is None:
                missed += 1  # no OOM event: the holder was killed before the cgroup reached it
                continue
            if x < 0:
                early += 1  # a poll read the full cgroup and killed before the event reached this script
            ours.append(x)
        kernel = field(cg, "oom_kill")
        print(summary("reference (this script kills at its own eventfd wake-up)", ref))
        print(summary("oomwarden (OOM event -> holder gone, oom_delay 3s)", ours))
        print(f"ratio oomwarden/reference: p50 {statistics.median(ours) / statistics.median(ref):.2f}x, "
              f"max {max(ours) / max(ref):.2f}x; kills before the event: {early}, runs without an event: {missed}; kernel oom_kill in the cgroup: {kernel}")
    finally:
        if daemon is not None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=20)
        if os.path.isdir(cg):
            try:
                write(os.path.join(cg, "memory.oom_control"), "0")
            except OSError:
                pass
            kill_all(cg)
            for _ in range(50):
                try:
                    os.rmdir(cg)
                    break
                except OSError:
                    time.sleep(0.05)
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)


if __name__ == "__main__":
    main()
