"""Are our pieces played as POP909's pianists play? `python -m benchmarks.dynamics --midi-dir DIR`.

The composition classifier (benchmarks.discriminator) leaves velocity out. This asks the other
half: per 8-bar window, the velocities' level and spread per track, the melody over the
accompaniment, how much bar means move, how notes struck together differ, the bass against the
hand above, beats against off-beats and the distinct velocities used (VELOCITY_NAMES). It prints
each feature's real and generated percentiles and the share of real windows outside our windows'
2nd-98th percentiles (benchmarks.window_spread), then the held-out accuracy of a classifier
telling windows apart by these features alone (50%: indistinguishable). Velocities taken from the
energy alone, one per beat (before stop 50), gave 12 distinct velocities a window against POP909's 36.

Pieces written for train songs' own controls (eval --songs 771-818) are asked those songs'
energies, which other songs' windows do not share; --songs also tells them from those songs' own
windows, where only the playing differs.

    python -m benchmarks.dynamics --midi-dir DIR [--windows 3000] [--seed 0] [--songs 771-818]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.metrics import BASS_CEILING
from bgm_studio.music.notes import MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from bgm_studio.music.pop909 import load_split, songs_in_range

from .discriminator import WINDOW_BARS, classify, piece_windows, read_folder, sampled_windows
from .window_spread import feature_spread, print_spread

START, PITCH, LENGTH, VELOCITY, TRACK = range(5)
VELOCITY_NAMES = (
    "melody mean velocity",
    "melody velocity sd",
    "accompaniment mean velocity",
    "accompaniment velocity sd",
    "melody over accompaniment",
    "bar mean velocity sd",
    "velocity sd within an onset",
    "bass over the hand above",
    "on beats over off beats",
    "distinct velocities",
)


def velocity_features(win: np.ndarray) -> np.ndarray:
    """float (len(VELOCITY_NAMES),): the dynamics of one 8-bar window (0 where a part is missing)."""
    v = win[:, VELOCITY].astype(np.float64)
    melody = win[:, TRACK] == MELODY
    bass = ~melody & (win[:, PITCH] < BASS_CEILING)
    on_beat = win[:, START] % STEPS_PER_BEAT == 0
    bar = win[:, START] // STEPS_PER_BAR
    bar_means = [v[bar == b].mean() for b in range(WINDOW_BARS) if (bar == b).any()]
    acc = win[~melody]
    _, onset, counts = np.unique(acc[:, START], return_inverse=True, return_counts=True)
    spreads = [acc[onset == i, VELOCITY].std() for i in np.flatnonzero(counts > 1)]

    def mean(mask: np.ndarray) -> float:
        return float(v[mask].mean()) if mask.any() else 0.0

    def gap(a: np.ndarray, b: np.ndarray) -> float:
        return mean(a) - mean(b) if a.any() and b.any() else 0.0

    return np.array(
        [
            mean(melody),
            float(v[melody].std()) if melody.any() else 0.0,
            mean(~melody),
            float(v[~melody].std()) if (~melody).any() else 0.0,
            gap(melody, ~melody),
            float(np.std(bar_means)),
            float(np.mean(spreads)) if spreads else 0.0,
            gap(bass, ~melody & ~bass),
            gap(~melody & on_beat, ~melody & ~on_beat),
            float(len(np.unique(win[:, VELOCITY]))),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", required=True, help="generated pieces (.mid)")
    parser.add_argument("--windows", type=int, default=3000, help="POP909 train windows drawn (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--songs",
        help="train songs the pieces were written for, e.g. 771-818: also tell our windows from theirs "
        "(the same energies asked, so only the playing differs)",
    )
    args = parser.parse_args(argv)
    try:
        generated = piece_windows(read_folder(Path(args.midi_dir)), velocity_features)
        if len(generated[0]) < 20:
            raise BgmError(f"{args.midi_dir}: {len(generated[0])} 8-bar windows; need at least 20")
        songs, _ = load_split("train")
        real_pieces = [(s.notes, s.n_steps) for s in songs]
        rng = np.random.default_rng(args.seed)
        real = sampled_windows(real_pieces, args.windows, rng, velocity_features)
        matched = sampled_windows(real_pieces, len(generated[0]), rng, velocity_features)
        result = classify(matched, generated, args.seed)
        own = None
        if args.songs:
            ids = set(songs_in_range(args.songs, "train"))
            theirs = [(s.notes, s.n_steps) for s in songs if s.song_id in ids]
            own = classify(sampled_windows(theirs, len(generated[0]), rng, velocity_features), generated, args.seed)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(real[0])} POP909 train windows against {len(generated[0])} generated ones")
    print_spread(feature_spread(real[0], generated[0], VELOCITY_NAMES))
    print(
        f"told apart by dynamics alone: accuracy {result.accuracy:.1%} (folds ±{result.fold_std:.1%}); "
        f"real called real {result.a_hit:.1%}, generated called generated {result.b_hit:.1%}"
    )
    if own is not None:
        print(f"told from songs {args.songs}' own windows: accuracy {own.accuracy:.1%} (folds ±{own.fold_std:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
