#!/usr/bin/python3
"""A tiny GTK 3 window that offers files for drag-and-drop (text/uri-list), so the
e2e suite can perform a real XDND drop on the app with xdotool under Xvfb.

Usage: drag_source.py X Y FILE...   (a 120x80 window at X,Y; prints "ready" when shown)
"""
import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [Path(p).resolve().as_uri() for p in sys.argv[3:]]

win = Gtk.Window(title="tern-drag-source")
win.set_decorated(False)
win.set_default_size(120, 80)
win.move(x, y)
box = Gtk.EventBox()
box.add(Gtk.Label(label="drag me"))
win.add(box)
box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
box.drag_source_add_uri_targets()


def on_get(_w, _ctx, data, _info, _time):
    data.set_uris(uris)


box.connect("drag-data-get", on_get)
win.connect("destroy", Gtk.main_quit)
win.show_all()
GLib.timeout_add(300, lambda: (print("ready", flush=True), False)[1])
Gtk.main()
