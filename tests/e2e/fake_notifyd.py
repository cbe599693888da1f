#!/usr/bin/python3
"""A fake org.freedesktop.Notifications server for the e2e suite.

Records every Notify call as one JSON line in LOG; `org.tern.FakeNotifications.Invoke(id, action)`
makes it emit ActionInvoked as if the user clicked, `Reply(id, text)` NotificationReplied
(inline reply, when started with the inline-reply capability). Usage: fake_notifyd.py LOG [CAPS,...]
"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

LOG = sys.argv[1]
CAPS = [c for c in (sys.argv[2] if len(sys.argv) > 2 else "body,actions").split(",") if c]
IFACE = "org.freedesktop.Notifications"

DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()


class Fake(dbus.service.Object):
    def __init__(self):
        super().__init__(bus, "/org/freedesktop/Notifications")
        # Ids stay unique across restarts that share a log.
        try:
            with open(LOG) as f:
                self.next_id = 1 + sum(1 for _ in f)
        except FileNotFoundError:
            self.next_id = 1

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return CAPS

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("tern-fake", "tern", "1", "1.2")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = int(replaces) or self.next_id
        if not replaces:
            self.next_id += 1
        with open(LOG, "a") as f:
            f.write(json.dumps({"id": nid, "app": str(app), "icon": str(icon), "summary": str(summary), "body": str(body),
                                "actions": [str(a) for a in actions], "hints": sorted(str(k) for k in hints)}) + "\n")
        return nid

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def NotificationReplied(self, nid, text):
        pass

    @dbus.service.method("org.tern.FakeNotifications", in_signature="us", out_signature="")
    def Invoke(self, nid, key):
        self.ActionInvoked(nid, key)

    @dbus.service.method("org.tern.FakeNotifications", in_signature="us", out_signature="")
    def Reply(self, nid, text):
        self.NotificationReplied(nid, text)


fake = Fake()
name = dbus.service.BusName(IFACE, bus)
print("ready", flush=True)
GLib.MainLoop().run()
