#!/usr/bin/env bash
# The README's picture of the Blender add-on: Blender's own window under Xvfb, after Score the Edit
# on the demo clip cut into strips; written to resources/blender_addon.png. Needs the blender program
# (apt-get install blender) and this checkout's .venv (the add-on runs .venv/bin/bgm-studio).
#   installer/blender_screenshot.sh [OUT.png]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/resources/blender_addon.png}")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 "$ROOT/bgm_studio/integrations/blender/build.py" "$TMP/bgm_studio_vse.zip" >/dev/null
# Opening a saved file (not the factory start) skips the splash screen.
HOME="$TMP" blender -b --factory-startup --python-expr \
  "import bpy; bpy.ops.wm.save_as_mainfile(filepath='$TMP/edit.blend')" >/dev/null
HOME="$TMP" BGM_CACHE="$TMP/cache" xvfb-run -a -s "-screen 0 1600x900x24" blender --factory-startup "$TMP/edit.blend" \
  --python "$ROOT/bgm_studio/integrations/blender/screenshot.py" -- "$TMP/bgm_studio_vse.zip" "$OUT" \
  | grep -E "score the edit|wrote" || true
[ -s "$OUT" ] && echo "wrote $OUT"
