#!/usr/bin/env bash
# Installs what building and testing Tern needs on Debian 12, skipping what is present.
# Usage: scripts/deps.sh [build|test]   (test implies build)
set -euo pipefail
cd "$(dirname "$0")/.."

want=${1:-test}
if ! command -v cargo >/dev/null; then
  echo "deps: cargo not found: Tern needs a Rust toolchain (rustup; tested with Rust 1.95)" >&2
  exit 1
fi
pkgs=(pkg-config build-essential curl file libssl-dev libwebkit2gtk-4.1-dev
      libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev
      fonts-inter fonts-noto-color-emoji fonts-noto-cjk)
# (fonts-noto-cjk: without a CJK font WebKit draws Chinese/Japanese/Korean as empty boxes.
# In the base list, so both `build` (scripts/run.sh) and `test` machines get it.)
if [ "$want" = test ]; then
  pkgs+=(xvfb xauth webkit2gtk-driver dbus-x11 dbus gnome-keyring libsecret-tools
         imagemagick python3-gi python3-dbus gir1.2-glib-2.0 x11-utils
         xdotool gir1.2-gtk-3.0 openbox postgresql nats-server nginx python3-venv openssl)
  # (openbox: a window manager for the shell e2e suite; bare Xvfb has none, so
  # minimising a window would have no effect to test. postgresql: the suites run
  # a second time on a throw-away PostgreSQL cluster, see scripts/test-postgres.sh;
  # no system service is started or used. nats-server: the cluster suite starts its
  # own on a free port on 127.0.0.1, see scripts/test-cluster.sh. nginx: the cluster
  # suite runs it as a plain child process in front of two nodes, with its own prefix
  # in a temporary directory; the package's system service is not used. python3-venv:
  # schemathesis, from PyPI in a virtualenv, tests the admin API, see scripts/fuzz.sh.
  # openssl: the firsthour suite makes a self-signed certificate for its untrusted server.)
fi
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The UI's build (Vite 8) needs Node.js 20.19 or later; Debian 12's own nodejs is 18.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "deps: Node.js $(node --version) is too old: the UI needs Node.js 20.19 or later (e.g. NodeSource's nodejs 20)" >&2
  exit 1
fi

if [ -f ui/package-lock.json ] && { [ ! -f ui/node_modules/.package-lock.json ] ||
    [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; }; then
  # npm ci rejects this lock (npm omits the CLI's other-platform optional packages from it);
  # npm install with the lock present installs exactly the locked versions.
  echo "deps: npm install in ui/" >&2
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
fi

if [ "$want" = test ] && ! command -v tauri-driver >/dev/null; then
  echo "deps: cargo install tauri-driver" >&2
  cargo install tauri-driver --locked --quiet
fi
