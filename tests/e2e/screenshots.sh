#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png from the real app under Xvfb.
exec "$(dirname "$0")/run.sh" screenshots
