#!/usr/bin/env bash
# Builds the UI (Vite) and updates ui/dist only when the output changed, so the
# desktop crate (which embeds ui/dist and is rebuilt when its files change) is
# not recompiled on every run for an identical UI. Prints "ui: unchanged" or
# "ui: updated" on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd ui && npx vite build --outDir "$out/dist" --emptyOutDir --logLevel error)
if [ -d ui/dist ] && diff -r -q "$out/dist" ui/dist >/dev/null; then
  echo "ui: unchanged" >&2
else
  rm -rf ui/dist
  cp -a "$out/dist" ui/dist
  echo "ui: updated" >&2
fi
