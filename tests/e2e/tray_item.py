#!/usr/bin/python3
"""Reads or clicks the app's tray icon the way a tray host does, over the session bus:
asks the StatusNotifierWatcher (tests/e2e/fake_tray.py) for the registered items, then
talks to the item (libayatana-appindicator: org.kde.StatusNotifierItem, menu exported
through com.canonical.dbusmenu).

  tray_item.py label          prints the item's label (XAyatanaLabel: the unread count), '' if none
  tray_item.py menu           prints the menu's item labels, one a line (separators left out)
  tray_item.py click LABEL    sends "clicked" to the menu item labelled LABEL (e.g. "Open Tern")
Exits 1 when no item is registered or no menu item has that label.
"""
import sys

import dbus

bus = dbus.SessionBus()
watcher = bus.get_object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
items = watcher.Get("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems",
                    dbus_interface=dbus.PROPERTIES_IFACE)
if not items:
    sys.exit("no tray item registered")
item = str(items[-1])
name, _, path = item.partition("/")
path = "/" + path if path else "/StatusNotifierItem"
obj = bus.get_object(name, path)
props = obj.GetAll("org.kde.StatusNotifierItem", dbus_interface=dbus.PROPERTIES_IFACE)

def layout():
    menu = bus.get_object(name, str(props["Menu"]))
    return menu, menu.GetLayout(0, -1, dbus.Array([], signature="s"),
                                dbus_interface="com.canonical.dbusmenu")[1]


if sys.argv[1] == "label":
    print(str(props.get("XAyatanaLabel", "")))
elif sys.argv[1] == "menu":
    _, root = layout()
    for _ident, node_props, _children in root[2]:
        if str(node_props.get("type", "standard")) == "separator" or not node_props.get("visible", True):
            continue
        print(str(node_props.get("label", "")).replace("_", ""))
elif sys.argv[1] == "click":
    menu, tree = layout()

    def find(node):
        ident, node_props, children = node
        if str(node_props.get("label", "")).replace("_", "") == sys.argv[2]:
            return int(ident)
        for c in children:
            hit = find(c)
            if hit is not None:
                return hit
        return None

    ident = find(tree)
    if ident is None:
        sys.exit(f"no menu item labelled {sys.argv[2]!r}")
    menu.Event(dbus.Int32(ident), "clicked", dbus.Int32(0, variant_level=1), dbus.UInt32(0),
               dbus_interface="com.canonical.dbusmenu")
    print(ident)
else:
    sys.exit(__doc__)
