#!/usr/bin/env bash
# Regenerates ui/public/fonts/tern-language-names.woff: the glyphs of the language
# picker's native names that the UI's first font (Inter) lacks (today 简体中文), cut
# from Noto Sans CJK SC Regular (Debian's fonts-noto-cjk; SIL OFL 1.1, see
# ui/public/fonts/OFL.txt) with fontTools (PyPI) in a throw-away virtualenv.
#
# Why: drawn from the system's CJK font, those four characters on the sign-in screen
# made WebKit map and parse Noto Sans CJK (1.9 MB of the web process's idle memory,
# docs/benchmarks.md, C1); the subset is 2.7 KB, and shows the name even where no CJK
# font is installed. ui/src/lib/components/__tests__/glyphs.test.ts checks that the
# @font-face in Settings.svelte covers every character of the name: change the name,
# run this with the new text.
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:-简体中文}
src=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
[ -f "$src" ] || { echo "needs $src (apt-get install fonts-noto-cjk)" >&2; exit 2; }
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet fonttools
# Face 2 of the collection is Simplified Chinese; the name table (copyright, license)
# is kept whole; no hinting, no layout features (four glyphs, no shaping).
"$venv/bin/pyftsubset" "$src" --font-number=2 --text="$text" --flavor=woff \
  --name-IDs='*' --name-languages='*' --no-hinting --layout-features='' --desubroutinize \
  --output-file=ui/public/fonts/tern-language-names.woff
ls -l ui/public/fonts/tern-language-names.woff
