#!/usr/bin/env bash
# End-to-end suite of the desktop app: builds the app (UI embedded), tern-server
# and tern-cli, then drives the real app window (WebKitGTK through tauri-driver
# and WebKitWebDriver) under Xvfb against a real server and a tern-cli user.
#
# Needs the Debian packages from scripts/deps.sh (libwebkit2gtk-4.1-dev, xvfb,
# webkit2gtk-driver, ...); installs npm packages and tauri-driver when missing.
# Honours CARGO_TARGET_DIR. Usage: tests/e2e/run.sh [test|app|firsthour|keyring|shell|notify|prefs|traymode|files|groups|rooms|look|profile|rich|forward|accounts|screenshots]
#   test (default): app, firsthour, keyring, shell, notify, prefs, traymode, files, groups, rooms, look, profile, rich, forward, accounts.   app: tests/e2e/app.e2e.mjs only
#   (main flow, incl. the account dialog: sign out other devices, change password).
#   prefs: settings that follow the user (issue 18): the app and tern-cli as two devices of alice converge on
#   pin, mute, archive, drafts, clear history; muted chats and the do-not-disturb window notify nothing (fake
#   notification server); the Settings screen survives a restart; screenshots docs/screenshots/settings.png and
#   chat-list-states.png (tests/e2e/prefs.e2e.mjs).
#   traymode: closed to the (fake) tray, the window is destroyed after TERN_TRAY_FREE_AFTER_SECS (no
#   WebKitWebProcess left, /proc); a message then raises the tray label (read over D-Bus,
#   tests/e2e/tray_item.py) and notifies; the notification's click and the tray menu's Open recreate the
#   window at the chat that was open; then with tern-tray beside the app, the app process becomes tern-tray
#   (no child left), whose tray item, menu and notification work, and a notification click or Open Tern
#   makes it the app again at the chat (bob's read receipt) (tests/e2e/traymode.e2e.mjs).
#   rich: reply (quote at bob, a click on a quote loads older pages and lands on the original), edit (Up-arrow;
#   bob's edit live with the mark), reactions from the keyboard and chips, the pin bar, group read-by and read-by off;
#   screenshots docs/screenshots/rich.png, zh-CN-rich-800x600.png (tests/e2e/rich.e2e.mjs).
#   forward: Forward from the message menu (search, one target), multi-select (Esc leaves) forwarded as one chat
#   history with a comment (carol's tern-cli gets ONE message), a refusing target named in the dialog, a received
#   history opened in the viewer (nested history, Back, its file downloaded), the mention picker from the keyboard
#   (bob's client gets the mention; a reply carries one too), a mention notifying in a muted group (fake notification
#   server); axe-core on the dialog and viewer; screenshots docs/screenshots/forward.png, zh-CN-forward-800x600.png
#   (tests/e2e/forward.e2e.mjs).
#   accounts: several accounts at once: add bob next to alice, both receive live, notifications name the
#   account, the tray menu names each account with its count (read over D-Bus) and a click on bob's
#   entry shows bob, the switcher's badge, switch, remove bob from the switcher's menu while alice is
#   shown (keyring entry and data gone, alice's chats stay), restart; a real
#   gnome-keyring-daemon and the fake notification server on a private bus; screenshot
#   docs/screenshots/accounts.png (tests/e2e/accounts.e2e.mjs).
#   shell: tray unread label, close-to-tray with a (fake) tray host, close minimises without one
#   (under openbox), single instance (a second launch shows / restores the first window and
#   exits), Quit and Ctrl+Q, a killed web process (the page reloads by itself, signed in, in the chat that
#   was open) (tests/e2e/shell.e2e.mjs).
#   notify: notifications against a fake notification server, the sender's avatar as their icon, the launcher
#   badge (Unity LauncherEntry signals seen by tests/e2e/launcher_listener.py), tray and notification texts
#   in zh-CN after the switch (tests/e2e/notify.e2e.mjs).
#   firsthour: issue 23's first-hour items: focus on open (forms, chat, dialogs), the register
#   form at 800×600, read marks only for shown messages ("↓ N new", divider); TLS: an untrusted
#   server certificate named on the sign-in form and in the banner (tests/e2e/firsthour.e2e.mjs).
#   groups: a group with tern-cli users made in the dialog, messages both ways, admin, join request, mute, kick, invite, dismiss; as a plain member: mutes, removal, leave (tests/e2e/groups.e2e.mjs).
#   rooms: a chat room made by a tern-cli user: the Rooms tab lists it, alice joins and sees its recent
#   history, her message reaches bob's `tern-cli room join --listen`, his shows up live; screenshot
#   docs/screenshots/rooms.png (tests/e2e/rooms.e2e.mjs).
#   files: drop/send a file with progress, bob's tern-cli download (sha256), inline images (tests/e2e/files.e2e.mjs).
#   look: zh-CN from LANG (Chinese on the main screens), the language switch, dark mode from GTK_THEME and the theme switch;
#   screenshots docs/screenshots/zh-CN-chat.png, zh-CN-chat-800x600.png, dark-chat.png (tests/e2e/look.e2e.mjs).
#   profile: avatars (bob's from tern-cli shown; alice's cropped upload seen by bob's tern-cli; a group's),
#   the profile card, nickname/signature; screenshot docs/screenshots/profile.png (tests/e2e/profile.e2e.mjs).
#   keyring: "Remember me" against a real gnome-keyring-daemon on a private D-Bus
#   session, then with no Secret Service on the bus (tests/e2e/keyring.e2e.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
mode=${1:-test}

for tool in xvfb-run WebKitWebDriver node npm cargo dbus-run-session dbus-send gnome-keyring-daemon secret-tool xdotool xprop openbox; do
  command -v "$tool" >/dev/null || { echo "e2e: '$tool' is missing (run scripts/deps.sh test)" >&2; exit 2; }
done

if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "e2e: npm install in ui/ (npm ci rejects the lock; see scripts/deps.sh)" >&2
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
fi
if ! command -v tauri-driver >/dev/null; then
  echo "e2e: cargo install tauri-driver" >&2
  cargo install tauri-driver --locked --quiet
fi
export PATH="$HOME/.cargo/bin:$PATH"

echo "e2e: building the UI, the app, tern-server and tern-cli" >&2
scripts/build-ui.sh
# e2e-hooks: the test-only simulate_drop command (never in release/.deb builds).
cargo build --quiet -p tern-desktop --features tauri/custom-protocol,e2e-hooks
cargo build --quiet -p tern-server -p tern-cli -p tern-tray

export TERN_BIN_DIR="$CARGO_TARGET_DIR/debug"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
# Each run gets its own HOME-like dirs so nothing leaks between runs.
export XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
XDG_DATA_HOME=$(mktemp -d); XDG_CACHE_HOME=$(mktemp -d); XDG_CONFIG_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" 2>/dev/null || true' EXIT

xvfb() { xvfb-run -a -s "-screen 0 1400x900x24" "$@"; }

# The app suite runs on its own private bus too, so it never touches a desktop keyring.
run_app() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/app.e2e.mjs"; }

run_keyring() {
  local home rc=0; home=$(mktemp -d)
  # (gnome-keyring-daemon exits with its bus when dbus-run-session ends.)
  # A real gnome-keyring-daemon (unlocked "login" keyring) on a private session bus.
  HOME=$home dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c '
    echo -n e2e-keyring-pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
    TERN_E2E_KEYRING=present exec xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' \
    _ "$root/tests/e2e/keyring.e2e.mjs" || rc=$?
  rm -rf "$home"
  [ $rc = 0 ] || return $rc
  # Nothing owns org.freedesktop.secrets on this bus.
  dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- \
    env TERN_E2E_KEYRING=absent xvfb-run -a -s "-screen 0 1400x900x24" node "$root/tests/e2e/keyring.e2e.mjs"
}

run_shell() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/shell.e2e.mjs"; }

run_files() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/files.e2e.mjs"; }

run_groups() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/groups.e2e.mjs"; }

run_firsthour() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/firsthour.e2e.mjs"; }

run_look() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/look.e2e.mjs"; }

run_profile() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/profile.e2e.mjs"; }

run_rooms() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/rooms.e2e.mjs"; }

run_notify() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/notify.e2e.mjs"; }

run_prefs() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/prefs.e2e.mjs"; }

# Tray mode frees the window after 60 s hidden by default: the other suites keep it
# (they drive the hidden window); the traymode suite sets its own short delay.
export TERN_TRAY_FREE_AFTER_SECS=${TERN_TRAY_FREE_AFTER_SECS:-0}

run_traymode() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/traymode.e2e.mjs"; }

run_rich() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/rich.e2e.mjs"; }

run_forward() { dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c 'xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/tests/e2e/forward.e2e.mjs"; }

run_accounts() {
  local home rc=0; home=$(mktemp -d)
  HOME=$home dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c '
    echo -n e2e-keyring-pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
    exec xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' \
    _ "$root/tests/e2e/accounts.e2e.mjs" || rc=$?
  rm -rf "$home"
  return $rc
}


case "$mode" in
  test) run_app; run_firsthour; run_keyring; run_shell; run_notify; run_prefs; run_traymode; run_files; run_groups; run_rooms; run_look; run_profile; run_rich; run_forward; run_accounts ;;
  rooms) run_rooms ;;
  prefs) run_prefs ;;
  traymode) run_traymode ;;
  rich) run_rich ;;
  forward) run_forward ;;
  accounts) run_accounts ;;
  look) run_look ;;
  profile) run_profile ;;
  firsthour) run_firsthour ;;
  groups) run_groups ;;
  files) run_files ;;
  notify) run_notify ;;
  shell) run_shell ;;
  app) run_app ;;
  keyring) run_keyring ;;
  screenshots) xvfb node "$root/tests/e2e/screenshots.mjs" ;;
  *) echo "usage: $0 [test|app|firsthour|keyring|shell|notify|prefs|traymode|files|groups|rooms|look|profile|rich|forward|accounts|screenshots]" >&2; exit 2 ;;
esac
