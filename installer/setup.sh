#!/usr/bin/env bash
# Set up BGM Studio on a fresh Debian 12 / Python 3.11 machine.
# Installs system packages (FluidSynth, a GM soundfont, ffmpeg, Qt runtime libraries),
# creates .venv, installs CPU torch 2.13.0 and the package with dev extras.
# Idempotent: a stamp records what was installed, so a second run takes a second.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BGM_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
STAMP="$VENV/.bgm-setup-stamp"

APT_PACKAGES=(ffmpeg libfluidsynth3 fluid-soundfont-gm timgm6mb-soundfont
  libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libfontconfig1
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 xvfb jackd2 espeak-ng openbox xdotool)
# jackd2: MIDI-out loopback test; espeak-ng: ducking test; openbox, xdotool: benchmarks/app_walkthrough.py

missing_apt() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

MISSING="$(missing_apt)"
if [ -n "$MISSING" ]; then
  echo "[setup] installing system packages: $(echo $MISSING | tr '\n' ' ')"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $MISSING python3-venv >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $MISSING >/dev/null
fi

WANT="$(cat "$ROOT/pyproject.toml" "$ROOT/installer/setup.sh" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && "$VENV/bin/python" -c "import bgm_studio" 2>/dev/null; then
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# torch first, pinned, so nothing later pulls a multi-GB CUDA build.
"$VENV/bin/python" -m pip install -q "torch==2.13.0"
"$VENV/bin/python" -m pip install -q -e "$ROOT[dev,bench]"
# Blender as a Python module, for the add-on's headless tests, in a venv of its own (bpy 4.5 needs numpy < 2).
BLENDER_VENV="$ROOT/.venv-blender"
if ! "$BLENDER_VENV/bin/python" -c "import bpy" >/dev/null 2>&1; then
  [ -x "$BLENDER_VENV/bin/python" ] || "$PY" -m venv "$BLENDER_VENV"
  "$BLENDER_VENV/bin/python" -m pip install -q "bpy==4.5.4" || echo "[setup] bpy did not install: the Blender add-on tests will skip"
fi
echo "$WANT" > "$STAMP"
echo "[setup] ready: $VENV"
