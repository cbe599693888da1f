#!/usr/bin/env bash
# Installs the peers of `tern-bench peers` (docs/benchmarks.md, "Peers"): ejabberd and
# Prosody from Debian, Matrix Synapse from PyPI in a virtualenv. The bench runs each
# from its own config in a temporary directory on a free 127.0.0.1 port, so the
# packages' system services are stopped and disabled if installing them started any.
# Usage: scripts/peers-deps.sh            (Synapse venv: $TERN_BENCH_SYNAPSE_VENV,
#                                          default ~/.cache/tern-bench/synapse)
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
pkgs=(ejabberd prosody lua-unbound python3-venv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "peers-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for svc in ejabberd prosody; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    echo "peers-deps: stopping and disabling the $svc system service" >&2
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ] && $sudo "/etc/init.d/$svc" status >/dev/null 2>&1; then
    echo "peers-deps: stopping the $svc system service" >&2
    $sudo "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done

venv=${TERN_BENCH_SYNAPSE_VENV:-$HOME/.cache/tern-bench/synapse}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import synapse' 2>/dev/null; then
  echo "peers-deps: matrix-synapse into $venv" >&2
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q matrix-synapse
fi
"$venv/bin/python" -c 'import synapse; print("peers-deps: Synapse", synapse.__version__)' >&2
