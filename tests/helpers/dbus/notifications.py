#!/usr/bin/python3
"""A notification server for tests: owns org.freedesktop.Notifications on the bus at DBUS_SESSION_BUS_ADDRESS,
prints "ready" once it owns the name, and one JSON line per Notify call (app_name, summary, body, hints, uid of the
caller), answering id 7. Runs until stdin closes."""
import json
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.freedesktop.Notifications">
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
<method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/>
<arg type="s" direction="out"/><arg type="s" direction="out"/></method>
</interface></node>"""

loop = GLib.MainLoop()
node = Gio.DBusNodeInfo.new_for_xml(XML)


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "Notify":
        app, _replaces, icon, summary, body, actions, hints, timeout = params.unpack()
        creds = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixUser", GLib.Variant("(s)", (sender,)), None, 0, -1, None)
        print(json.dumps({"app_name": app, "icon": icon, "summary": summary, "body": body,
                          "hints": {k: str(v) for k, v in hints.items()}, "uid": creds.unpack()[0]}), flush=True)
        invocation.return_value(GLib.Variant("(u)", (7,)))
    else:
        invocation.return_value(GLib.Variant("(ssss)", ("test", "oomwarden", "1", "1.2")))


def on_bus(conn, _name):
    conn.register_object("/org/freedesktop/Notifications", node.interfaces[0], on_call, None, None)


def on_name(_conn, _name):
    print("ready", flush=True)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE, on_bus, on_name, None)
GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT, GLib.IO_HUP | GLib.IO_IN,
                  lambda *_: loop.quit())
loop.run()
