#!/usr/bin/python3
"""Listens on the session bus for com.canonical.Unity.LauncherEntry.Update signals
(what docks such as Dash-to-Dock, Plank and KDE listen to) and prints each as one
JSON line: {"path", "sender", "app_uri", "count", "count_visible"}. Prints "ready"
once subscribed. Usage: launcher_listener.py
"""
import json

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()


def on_update(app_uri, props, path=None, sender=None):
    print(json.dumps({
        "path": str(path),
        "sender": str(sender),
        "app_uri": str(app_uri),
        "count": int(props["count"]) if "count" in props else None,
        "count_visible": bool(props["count-visible"]) if "count-visible" in props else None,
    }), flush=True)


bus.add_signal_receiver(on_update, signal_name="Update", dbus_interface="com.canonical.Unity.LauncherEntry",
                        path_keyword="path", sender_keyword="sender")
# A round trip to the bus, so the match rule is in place before "ready".
bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(dbus_interface="org.freedesktop.DBus")
print("ready", flush=True)
GLib.MainLoop().run()
