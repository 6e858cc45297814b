"""The melody model's own samples against real melodies: `python -m benchmarks.melody_ablation [--limit 12]`.

For each POP909 test song (the first `--limit`), the melody model samples a melody for the song's
own plan (its chords, phrase labels, melody onsets a bar over each phrase, phrase registers, articulation and syncopation, in C) with the
shipped sampling and nothing else: no hard limits, no returning phrases. Printed: the
melody-line measures (music.melody_metrics) of these samples beside the songs' real melodies, and
how much of each bar's melody (place and pitch) the bar 2 and 4 before shares. The model card's
ablation table compares them with the whole system (`bgm-studio eval --generate --form labels`).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from bgm_studio.model.checkpoint import load_melody
from bgm_studio.model.melody import MelodySampling, sample_melody
from bgm_studio.model.melody_data import MELODY_LOW, song_plan, step_conditions
from bgm_studio.music.form_metrics import bar_self_similarity
from bgm_studio.music.melody_metrics import melody_metrics
from bgm_studio.music.notes import MELODY
from bgm_studio.music.pop909 import load_split
from bgm_studio.music.structure import song_phrases

from .common import hardware


def token_notes(tokens: np.ndarray) -> np.ndarray:
    """Melody note rows (start, pitch, length, velocity, track) of a token sequence (pitches in C)."""
    onsets = np.flatnonzero(tokens >= 2)
    ends = np.r_[onsets[1:], len(tokens)]
    rows = [(s, MELODY_LOW + tokens[s] - 2, e - s, 80, MELODY) for s, e in zip(onsets, ends)]
    return np.array(rows, np.int64).reshape(-1, 5)


def row(pieces: list[np.ndarray]) -> dict[str, float]:
    out = {k: float(np.nanmean([melody_metrics(n)[k] for n in pieces])) for k in melody_metrics(pieces[0])}
    for lag in (2, 4):
        out[f"overlap_{lag}"] = float(np.nanmean([bar_self_similarity(n, None, lag) for n in pieces]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = load_melody(None, "cpu")
    songs, _ = load_split("test")
    real, sampled = [], []
    for i, song in enumerate(songs[: args.limit]):
        plan, tokens = song_plan(song, song_phrases(song))
        real.append(token_notes(tokens))
        gen = torch.Generator().manual_seed(args.seed + i)
        sampled.append(token_notes(sample_melody(model, step_conditions(plan), MelodySampling(), gen)))
    rows = {"real melodies": row(real), "melody model alone": row(sampled)}
    keys = list(rows["real melodies"])
    print(f"{'':22s}" + "".join(f"{k:>17s}" for k in keys))
    for name, r in rows.items():
        print(f"{name:22s}" + "".join(f"{r[k]:17.3f}" for k in keys))
    print(hardware())


if __name__ == "__main__":
    main()
