#!/usr/bin/env python3
"""oomwarden's own socket (docs/NOTIFY.md): print every event; on a release request free what it holds and answer.

    notify_client.py SOCKET [--hold MIB] [--ignore] [--no-read] [--subscribe DOMAIN ...]

--ignore: hears release requests (prints them) but keeps what it holds and never answers.
"""
import json, socket, sys, time

args = sys.argv[1:]
path = args.pop(0)
hold = bytearray(int(args[args.index("--hold") + 1]) << 20) if "--hold" in args else None
if hold is not None:
    for i in range(0, len(hold), 4096):
        hold[i] = 1  # touch every page: resident, charged to our cgroup
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if "--no-read" in args:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(path)
if "--subscribe" in args:
    domains = args[args.index("--subscribe") + 1:]
    s.sendall(json.dumps({"subscribe": {"domains": domains}}).encode() + b"\n")
print("CONNECTED", flush=True)
if "--no-read" in args:
    time.sleep(3600)
for line in s.makefile("rb"):
    print(line.decode().rstrip("\n"), flush=True)
    event = json.loads(line)
    if event["event"] == "release" and "--ignore" not in args:
        hold = None  # the buffer goes back to the kernel (a large allocation is munmap'ed)
        s.sendall(json.dumps({"event": "released", "id": event["id"]}).encode() + b"\n")
        print("RELEASED", flush=True)
