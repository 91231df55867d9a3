#!/usr/bin/python3
"""A real GLib client: Gio.MemoryMonitor.dup_default() (GMemoryMonitorDBus on Debian 12 when no portal is there),
printing one line per low-memory-warning: "warning LEVEL MONOTONIC_NS". Prints "ready BACKEND" once the monitor's
proxy sees an owner of org.freedesktop.LowMemoryMonitor (or at once when it cannot tell), then runs until stdin closes.
The system bus is the one in DBUS_SYSTEM_BUS_ADDRESS."""
import os
import sys
import time

from gi.repository import Gio, GLib

loop = GLib.MainLoop()
monitor = Gio.MemoryMonitor.dup_default()


def on_warning(_monitor, level):
    print(f"warning {int(level)} {time.monotonic_ns()}", flush=True)


monitor.connect("low-memory-warning", on_warning)

# Ready once the name has an owner, as GLib's proxy sees it (the D-Bus backend creates the proxy asynchronously).
def on_appeared(_conn, name, owner):
    print(f"ready {type(monitor).__name__} {owner}", flush=True)


Gio.bus_watch_name(Gio.BusType.SYSTEM, "org.freedesktop.LowMemoryMonitor", Gio.BusNameWatcherFlags.NONE,
                   on_appeared, None)


def on_stdin(_source, _cond):
    loop.quit()
    return False


GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT, GLib.IO_HUP | GLib.IO_IN, on_stdin)
loop.run()
