"""Piano-roll pictures: real POP909 songs beside pieces generated for their controls, for the
model card. `python -m benchmarks.piano_rolls [--songs 826 860] [--bars 32] [--out models/figures]`.

Each picture stacks the real song (top) over the piece generated for its own controls, chords
and phrase labels (bottom): melody in red, accompaniment in blue, each note the paler the softer
it is played (velocity), bar lines grey, phrase starts and letters in black. Drawn with OpenCV
(already a dependency), no plotting library.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from bgm_studio.music.notes import MELODY, STEPS_PER_BAR
from bgm_studio.music.structure import Phrase

LOW, HIGH = 28, 100  # pitch range drawn
PX_STEP, PX_PITCH = 3, 4
COLOURS = {MELODY: (40, 40, 220), 1: (200, 120, 40)}  # BGR


def roll_image(notes: np.ndarray, n_bars: int, phrases: list[Phrase], title: str) -> np.ndarray:
    """One panel: notes (int (N, 5)) of bars [0, n_bars) with bar lines and phrase letters."""
    width = n_bars * STEPS_PER_BAR * PX_STEP
    height = (HIGH - LOW) * PX_PITCH + 40
    img = np.full((height, width, 3), 255, np.uint8)
    for bar in range(n_bars + 1):
        x = bar * STEPS_PER_BAR * PX_STEP
        cv2.line(img, (x, 30), (x, height), (220, 220, 220), 1)
    for p in phrases:
        if p.start_bar < n_bars:
            x = p.start_bar * STEPS_PER_BAR * PX_STEP
            cv2.line(img, (x, 30), (x, height), (60, 60, 60), 2)
            cv2.putText(img, p.letter, (x + 4, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)
    for start, pitch, length, velocity, track in notes:
        if start >= n_bars * STEPS_PER_BAR or not LOW <= pitch < HIGH:
            continue
        y = 40 + (HIGH - 1 - pitch) * PX_PITCH
        x0, x1 = start * PX_STEP, min(start + length, n_bars * STEPS_PER_BAR) * PX_STEP - 1
        cv2.rectangle(img, (x0, y), (max(x0, x1), y + PX_PITCH - 1), _shade(track, velocity), -1)
    cv2.putText(img, title, (8, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1)
    return img


def _shade(track: int, velocity: int) -> tuple[int, int, int]:
    """The track's colour, blended toward white the softer the note: full at velocity 127, a
    quarter at 0."""
    strength = 0.25 + 0.75 * min(max(int(velocity), 0), 127) / 127
    colour = np.array(COLOURS[MELODY if track == MELODY else 1], np.float64)
    r, g, b = np.round(255 - (255 - colour) * strength).astype(int).tolist()
    return r, g, b


def main() -> None:
    from bgm_studio.model.checkpoint import load_melody, load_model, load_roll_critic
    from bgm_studio.model.composer import Composer
    from bgm_studio.model.evaluate import generate_for_song
    from bgm_studio.model.melody_writer import MelodyWriter
    from bgm_studio.model.pipeline import ScorePipeline
    from bgm_studio.model.bar_critic import BarCritic
    from bgm_studio.model.texture import TextureLibrary
    from bgm_studio.music.pop909 import default_root, load_song
    from bgm_studio.music.structure import song_phrases

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--songs", nargs="+", default=["826", "860"], help="POP909 song numbers")
    ap.add_argument("--bars", type=int, default=32, help="bars drawn from the start")
    ap.add_argument("--out", default="models/figures", help="folder for the PNG files")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    textures, critic, roll_critic = TextureLibrary.load(), BarCritic.load(), load_roll_critic()
    pipeline = ScorePipeline(load_model()[0], textures=textures, critic=critic, roll_critic=roll_critic)
    composer = Composer(pipeline, MelodyWriter(load_melody()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for sid in args.songs:
        song = load_song(default_root() / f"{int(sid):03d}")
        phrases = song_phrases(song)
        piece = generate_for_song(composer, song, args.seed, "labels")
        n_bars = min(args.bars, song.n_steps // STEPS_PER_BAR)
        real = roll_image(song.notes, n_bars, phrases, f"POP909 {song.song_id} (real)")
        gen = roll_image(piece.notes, n_bars, phrases, f"generated for {song.song_id}'s controls")
        path = out / f"roll-{song.song_id}.png"
        cv2.imwrite(str(path), np.concatenate([real, np.full((8, real.shape[1], 3), 0, np.uint8), gen]))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
