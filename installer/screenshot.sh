#!/usr/bin/env bash
# The README's screenshot: the main window with the demo clip scored, taken under Xvfb
# (no desktop needed) and written to resources/screenshot.png.
#   installer/screenshot.sh [VIDEO] [OUT.png]      (model: $BGM_MODEL or models/bgm-diffusion.pt)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BGM_VENV:-$ROOT/.venv}"
VIDEO="${1:-$ROOT/resources/demo/demo_clip.mp4}"
OUT="${2:-$ROOT/resources/screenshot.png}"
unset QT_QPA_PLATFORM  # draw through X (Xvfb), as on a desktop
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$VENV/bin/python" -m bgm_studio.app.screenshot "$VIDEO" "$OUT"
