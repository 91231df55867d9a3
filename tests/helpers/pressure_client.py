#!/usr/bin/env python3
"""A client of systemd's memory pressure protocol (systemd docs/PRESSURE.md), as sd-event does it for an AF_UNIX
$MEMORY_PRESSURE_WATCH: connect, write the $MEMORY_PRESSURE_WRITE data (base64 in the environment), then wait for
POLLIN; each wake-up is a pressure event: read and discard what was written, and free memory.

    MEMORY_PRESSURE_WATCH=/run/oomwarden/pressure.sock [MEMORY_PRESSURE_WRITE=$(echo -n low | base64)] pressure_client.py
"""
import base64, os, select, socket

watch = os.environ["MEMORY_PRESSURE_WATCH"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(watch)
data = base64.b64decode(os.environ.get("MEMORY_PRESSURE_WRITE", ""))
if data:
    s.sendall(data)
print("CONNECTED", flush=True)
poll = select.poll()
poll.register(s, select.POLLIN)
while True:
    poll.poll()
    if not s.recv(4096):
        break  # the daemon went away
    print("WAKE", flush=True)  # here a real program drops caches, trims its heap, ...
