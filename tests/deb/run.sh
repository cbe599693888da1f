#!/usr/bin/env bash
# Builds the Debian package with the Tauri CLI, installs it with apt-get, and
# starts the installed binary under Xvfb, checking that its window appears.
# Needs root or sudo (apt-get install) and the packages of scripts/deps.sh test.
# Honours CARGO_TARGET_DIR. Usage: tests/deb/run.sh [debug|release]   (default debug;
# release builds the `app` cargo profile into $CARGO_TARGET_DIR/app)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
profile=${1:-debug}
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
for tool in xvfb-run xwininfo npm cargo dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "deb: '$tool' is missing (run scripts/deps.sh test)" >&2; exit 2; }
done
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
fi

# release: the desktop app's own cargo profile `app` (Cargo.toml), tern-tray with it.
flags=(--bundles deb)
if [ "$profile" = debug ]; then flags+=(--debug); else profile=app flags+=(-- --profile app); export TERN_APP_PROFILE=app; fi
t0=$(date +%s)
echo "deb: tauri build ${flags[*]}" >&2
npm --prefix ui run --silent tauri -- build "${flags[@]}" >&2
deb=$(ls -t "$CARGO_TARGET_DIR/$profile/bundle/deb/"*.deb | head -1)
echo "deb: built $deb ($(du -k "$deb" | cut -f1) KiB) in $(( $(date +%s) - t0 )) s" >&2
dpkg-deb -f "$deb" Package Version Depends Recommends >&2
depends=$(dpkg-deb -f "$deb" Depends)
for d in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libdbus-1-3; do
  grep -q "$d" <<<"$depends" || { echo "deb: Depends lacks $d" >&2; exit 1; }
done
# Without a CJK font WebKit draws Chinese as empty boxes.
grep -qw fonts-noto-cjk <<<"$(dpkg-deb -f "$deb" Recommends)" || { echo "deb: Recommends lacks fonts-noto-cjk" >&2; exit 1; }
contents=$(dpkg-deb -c "$deb")
for f in usr/bin/tern usr/bin/tern-tray usr/share/applications/Tern.desktop usr/share/icons/hicolor/128x128/apps/tern.png; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || { echo "deb: $f missing from the package" >&2; echo "$contents" >&2; exit 1; }
done

# The test-only drop hook (cargo feature e2e-hooks) is not in the packaged binary.
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
if grep -aq TERN_E2E_SIMULATE_DROP "$unpacked/usr/bin/tern"; then
  echo "deb: usr/bin/tern contains the e2e drop hook (built with the e2e-hooks feature?)" >&2
  rm -rf "$unpacked"; exit 1
fi
rm -rf "$unpacked"
echo "deb: no e2e drop hook in usr/bin/tern" >&2

echo "deb: apt-get install $deb" >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb" >/dev/null
pkg=$(dpkg-deb -f "$deb" Package)
dpkg -s "$pkg" | grep -q '^Status: install ok installed'
exec_line=$(grep '^Exec=' /usr/share/applications/Tern.desktop)
echo "deb: installed; desktop entry $exec_line" >&2
[ -x /usr/bin/tern ]
# The tray-only program is installed beside the app; started by hand it explains itself.
set +e; /usr/bin/tern-tray 2>/dev/null; tray_rc=$?; set -e
[ "$tray_rc" = 2 ] || { echo "deb: /usr/bin/tern-tray without a handoff exited $tray_rc (want 2)" >&2; exit 1; }
echo "deb: /usr/bin/tern-tray installed" >&2

# Start the installed app under Xvfb and wait (bounded) for its window.
home=$(mktemp -d)
trap 'rm -rf "$home" 2>/dev/null || true' EXIT
# A private, empty session bus so nothing from the desktop (portals, keyrings) is activated.
HOME=$home WEBKIT_DISABLE_DMABUF_RENDERER=1 TERN_APP_DATA_DIR=$home/data \
  dbus-run-session --config-file=tests/e2e/bus-empty.conf -- xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  /usr/bin/tern & app=$!
  for _ in $(seq 1 100); do
    # A top-level window titled "Tern" (not just the GTK leader of class Tern).
    if win=$(xwininfo -root -tree | grep -E "^ +0x[0-9a-f]+ \"Tern\": "); then
      echo "deb: window: $win" >&2
      kill "$app"; wait "$app" 2>/dev/null || true
      exit 0
    fi
    kill -0 "$app" 2>/dev/null || { echo "deb: the installed app exited early" >&2; exit 1; }
    sleep 0.2
  done
  echo "deb: no Tern window within 20 s" >&2; kill "$app"; exit 1'
echo "deb: the installed /usr/bin/tern opened its window: passed" >&2
