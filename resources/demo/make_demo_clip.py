"""Make the bundled demo clip: `python resources/demo/make_demo_clip.py` from the repository root.

24 s, 854x480, 25 fps H.264 without sound: six synthetic shots of clearly
different look and pace, joined by cuts, a dissolve and a fade through black.
Writes demo_clip.mp4 and demo_clip_cuts.json (the true shot boundaries) beside this script.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for tests.video_clips

from tests.video_clips import ShotSpec, make_clip  # noqa: E402

SHOTS = [
    ShotSpec(seconds=4.0, hue=28, brightness=0.65, saturation=0.7, motion=0.05, shapes=5, seed=11),  # slow warm drift
    ShotSpec(seconds=4.0, hue=55, brightness=0.85, saturation=0.8, motion=1.8, shapes=9, seed=12),  # fast, bright
    ShotSpec(seconds=4.0, hue=230, brightness=0.15, saturation=0.5, motion=0.05, shapes=3, seed=13),  # dark and calm
    ShotSpec(seconds=4.0, look="texture", hue=15, brightness=0.6, pan=0.8, motion=0.6, seed=14),  # busy textured pan
    ShotSpec(seconds=4.0, look="texture", hue=195, brightness=0.45, saturation=0.4, pan=0.1, seed=15),  # cool, quiet
    ShotSpec(seconds=4.0, hue=300, brightness=0.7, saturation=0.9, motion=1.2, shapes=7, seed=16),  # colourful finale
]
TRANSITIONS = ["cut", "dissolve", "cut", "fade", "cut"]


def main() -> None:
    video = HERE / "demo_clip.mp4"
    cuts = make_clip(video, SHOTS, size=(854, 480), fps=25, transition=TRANSITIONS)
    (HERE / "demo_clip_cuts.json").write_text(json.dumps(
        {"cuts_s": [round(c, 3) for c in cuts], "transitions": TRANSITIONS}, indent=1) + "\n")
    print(f"{video}: {video.stat().st_size / 1e6:.1f} MB, cuts at {', '.join(f'{c:.2f}' for c in cuts)} s")


if __name__ == "__main__":
    main()
