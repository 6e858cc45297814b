#!/usr/bin/env bash
# The README's screenshot: the main window with the demo clip scored, taken under Xvfb
# (no desktop needed) and written to resources/screenshot.png.
#   installer/screenshot.sh [VIDEO] [OUT.png]      (model: $BGM_MODEL or models/bgm-diffusion.pt)
# Without VIDEO it takes the demo clip with a narrated sound track laid under it (espeak-ng, where
# installed, over soft brown noise), so that the waveform and speech lanes have something to show.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BGM_VENV:-$ROOT/.venv}"
DEMO="$ROOT/resources/demo/demo_clip.mp4"
VIDEO="${1:-}"
OUT="${2:-$ROOT/resources/screenshot.png}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -z "$VIDEO" ]; then
  VIDEO="$DEMO"
  if command -v espeak-ng >/dev/null && command -v ffmpeg >/dev/null; then
    espeak-ng -v en-gb -s 150 -w "$WORK/line1.wav" "The river was quiet that morning. Nobody had come down to the water yet."
    espeak-ng -v en-us -s 145 -w "$WORK/line2.wav" "Then the lights came on, and everything started to move."
    ffmpeg -v error -y -i "$DEMO" -i "$WORK/line1.wav" -i "$WORK/line2.wav" \
      -f lavfi -t 24 -i "anoisesrc=color=brown:amplitude=0.04:sample_rate=22050" \
      -filter_complex "[1:a]aresample=44100,adelay=1500|1500,apad[v1];[2:a]aresample=44100,adelay=13500|13500,apad[v2];[3:a]aresample=44100,volume=0.6[bg];[v1][v2][bg]amix=inputs=3:duration=longest:normalize=0,atrim=0:24,pan=stereo|c0=c0|c1=c0[a]" \
      -map 0:v -map "[a]" -c:v copy -c:a aac -b:a 96k -shortest "$WORK/demo_clip.mp4"
    VIDEO="$WORK/demo_clip.mp4"
  fi
fi
unset QT_QPA_PLATFORM  # draw through X (Xvfb), as on a desktop
xvfb-run -a -s "-screen 0 1920x1080x24" "$VENV/bin/python" -m bgm_studio.app.screenshot "$VIDEO" "$OUT"
