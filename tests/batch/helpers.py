"""Running `bgm-studio batch` in a test and reading its summary."""

from __future__ import annotations

import json
from pathlib import Path

from bgm_studio.cli import main


def run_batch(clips: Path, out: Path, model: Path, *extra: str) -> int:
    """`bgm-studio batch` of the folder into `out` as MIDI and project, on one worker, with `extra` options."""
    args = ["batch", str(clips), "--out", str(out), "--model", str(model), "--formats", "midi,project"]
    return main([*args, "--workers", "1", *extra])


def batch_status(out: Path) -> str:
    """The status of the first video in the batch's summary."""
    return json.loads((out / "batch_summary.json").read_text())[0]["status"]
