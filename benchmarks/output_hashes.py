"""Whether a speed change kept the output byte for byte: `python -m benchmarks.output_hashes [--against REV]`.

`bgm-studio generate --seed 0` writes MIDI, WAV and MP4 for two synthesised clips: the 3-minute 720p
video of benchmarks.end_to_end (no sound of its own) and a 40-s clip with a sound track, which the
music ducks under and the MP4 mixes in (-12 dB). The SHA-256 of every file is printed; with
--against, commit REV's tree (git archive) scores the same clips and each file is marked same or DIFFERENT.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .end_to_end import checkout, score_cmd, three_minutes_720p
from .scoring import random_shots

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from video_clips import make_clip  # noqa: E402

FORMATS = (("--midi", ".mid"), ("--wav", ".wav"), ("-o", ".mp4"))


def clip_with_sound(folder: Path) -> Path:
    path = folder / "with_sound.mp4"
    make_clip(path, random_shots(np.random.default_rng(7), 40.0), size=(640, 360), audio=True)
    return path


def hashes(tree: Path, video: Path, folder: Path, extra: list[str]) -> dict[str, str]:
    """SHA-256 of each file `bgm-studio generate` of the package in `tree` writes for `video`."""
    folder.mkdir()
    cmd, env = score_cmd(tree, video, folder / "scored.mp4", folder / "cache")
    files = {suffix: folder / f"scored{suffix}" for _, suffix in FORMATS}
    cmd = cmd[:-2] + [arg for flag, suffix in FORMATS for arg in (flag, str(files[suffix]))] + ["--seed", "0", *extra]
    subprocess.run(cmd, check=True, env=env, cwd=tree, stdout=subprocess.DEVNULL)
    return {suffix: hashlib.sha256(path.read_bytes()).hexdigest() for suffix, path in files.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", metavar="REV", help="also score with commit REV and compare")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = {three_minutes_720p(folder): [], clip_with_sound(folder): ["--original-gain", "-12"]}
        trees = {"this tree": here} | ({args.against: checkout(args.against, folder / "rev")} if args.against else {})
        for c, (video, extra) in enumerate(clips.items()):
            found = {
                name: hashes(tree, video, folder / f"out{c}-{t}", extra) for t, (name, tree) in enumerate(trees.items())
            }
            for suffix in found["this tree"]:
                same = {found[name][suffix] for name in found}
                differ += len(same) > 1
                verdict = "" if not args.against else ("  same" if len(same) == 1 else "  DIFFERENT")
                print(f"{video.name} {suffix:5} {found['this tree'][suffix][:16]}{verdict}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
