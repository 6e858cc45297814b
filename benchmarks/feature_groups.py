"""Which traits give our windows away? `python -m benchmarks.feature_groups --midi-dir DIR`.

The discriminator (benchmarks.discriminator) reads 89 composition features. This asks it again on
each group of them alone (how much that trait tells by itself) and on all but that group (how much
the rest tells without it), beside the figure with every feature. One group far above 50% alone,
whose removal brings the whole figure down, is a trait to fix; groups each a little above 50%, none
of whose removals moves the figure, mean the lead is spread over many traits. Where the files are
named by the POP909 songs they were made for, those songs' own windows are left out of the real side.

    python -m benchmarks.feature_groups --midi-dir DIR [--seeds 2]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.pop909 import load_split

from .discriminator import FEATURE_NAMES, classify, piece_windows, read_folder, sampled_windows, song_ids

# Each group: the FEATURE_NAMES it holds, by a test on the name; every feature lies in exactly one.
GROUPS = {
    "melody onsets a bar and places": lambda n: n.startswith("melody onsets"),
    "melody note lengths": lambda n: n.startswith("melody lengths"),
    "melody register": lambda n: n in ("melody mean pitch", "melody pitch sd", "melody pitch range"),
    "melody intervals and repeats": lambda n: (
        n.startswith("melody interval")
        or n in ("melody repeats", "melody most common pitch", "melody distinct pitches")
    ),
    "accompaniment onsets a bar and places": lambda n: n.startswith("accompaniment onsets"),
    "accompaniment note lengths": lambda n: n.startswith("accompaniment lengths"),
    "accompaniment register": lambda n: n.startswith("accompaniment") and "pitch" in n,
    "polyphony": lambda n: n.startswith("polyphony") or n in ("silent steps", "notes per onset"),
    "pitch classes": lambda n: n.startswith("main pitch class") or n == "pitch-class entropy",
    "repetition and bass": lambda n: n.startswith("bar onset overlap") or n.startswith("bass"),
}


def group_columns(names: tuple[str, ...] = FEATURE_NAMES) -> dict[str, list[int]]:
    """The feature columns of each group; raises where a group is empty or a feature lies in no group or in two."""
    columns = {g: [j for j, n in enumerate(names) if test(n)] for g, test in GROUPS.items()}
    counts = np.bincount([j for c in columns.values() for j in c], minlength=len(names))
    if (counts != 1).any() or not all(columns.values()):
        stray = [names[j] for j in np.flatnonzero(counts != 1)]
        raise BgmError(f"feature groups do not split the features: {stray or 'an empty group'}")
    return columns


@dataclass(frozen=True)
class GroupFigure:
    group: str
    alone: float  # held-out accuracy on the group's features alone, mean over classifier seeds
    without: float  # on every feature but the group's


def group_figures(
    real: tuple[np.ndarray, np.ndarray],
    generated: tuple[np.ndarray, np.ndarray],
    seeds: tuple[int, ...] = (0,),
    names: tuple[str, ...] = FEATURE_NAMES,
) -> tuple[float, list[GroupFigure]]:
    """(accuracy with every feature, each group's figures), for windows given as (features, piece
    index) per side; each figure the mean over the classifier seeds."""

    def accuracy(cols: list[int]) -> float:
        return float(
            np.mean(
                [
                    classify((real[0][:, cols], real[1]), (generated[0][:, cols], generated[1]), s).accuracy
                    for s in seeds
                ]
            )
        )

    everything = list(range(len(names)))
    rows = []
    for group, cols in group_columns(names).items():
        rest = [j for j in everything if j not in cols]
        rows.append(GroupFigure(group, accuracy(cols), accuracy(rest)))
    return accuracy(everything), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", required=True, help="generated pieces (.mid)")
    parser.add_argument("--seeds", type=int, default=2, help="classifier seeds (default 2)")
    args = parser.parse_args(argv)
    try:
        folder = Path(args.midi_dir)
        generated = piece_windows(read_folder(folder))
        own = set(song_ids(folder))
        songs, _ = load_split("train")
        pieces = [(s.notes, s.n_steps) for s in songs if s.song_id not in own]
        real = sampled_windows(pieces, len(generated[0]), np.random.default_rng(0))
        everything, rows = group_figures(real, generated, tuple(range(args.seeds)))
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(generated[0])} windows a side; every feature: {everything:.1%}")
    print(f"{'group':40s} {'alone':>7s} {'without':>8s}")
    for r in sorted(rows, key=lambda r: -r.alone):
        print(f"{r.group:40s} {r.alone:7.1%} {r.without:8.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
