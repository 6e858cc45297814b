"""Where do real windows go that ours never do? `python -m benchmarks.window_spread --midi-dir DIR`.

The classifier (benchmarks.discriminator) calls about half of our windows generated but four in
five real windows real (stop 49, validation songs): ours lie inside POP909's spread, and it learns
where real windows reach that ours do not. For each composition feature this prints the share of
POP909 train windows lying outside our windows' 2nd-98th percentiles, beside both sides' 5th,
50th and 95th percentiles, the features with the most real windows outside first. A share near
0.04 means our windows cover the real ones on that feature.

    python -m benchmarks.window_spread --midi-dir DIR [--top 20] [--windows 3000]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.pop909 import load_split

from .discriminator import FEATURE_NAMES, piece_windows, read_folder, sampled_windows

COVER = (0.02, 0.98)  # the generated windows' range a real window should fall in


@dataclass(frozen=True)
class FeatureSpread:
    name: str
    outside: float  # share of real windows outside the generated windows' COVER quantiles
    real: tuple[float, float, float]  # 5th, 50th, 95th percentiles
    generated: tuple[float, float, float]


def feature_spread(
    real: np.ndarray, generated: np.ndarray, names: tuple[str, ...] = FEATURE_NAMES
) -> list[FeatureSpread]:
    """Per feature column (named by `names`) of real (n, F) and generated (m, F) windows, most real
    windows outside first."""
    lo, hi = np.quantile(generated, COVER, axis=0)
    outside = ((real < lo) | (real > hi)).mean(axis=0)
    q_real, q_gen = (np.quantile(x, (0.05, 0.5, 0.95), axis=0) for x in (real, generated))
    rows = [
        FeatureSpread(name, float(outside[j]), tuple(q_real[:, j].tolist()), tuple(q_gen[:, j].tolist()))
        for j, name in enumerate(names)
    ]
    return sorted(rows, key=lambda r: -r.outside)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", required=True, help="generated pieces (.mid)")
    parser.add_argument("--top", type=int, default=20, help="features to print (default 20)")
    parser.add_argument("--windows", type=int, default=3000, help="POP909 train windows drawn (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        generated, _ = piece_windows(read_folder(Path(args.midi_dir)))
        if len(generated) < 20:
            raise BgmError(f"{args.midi_dir}: {len(generated)} 8-bar windows; need at least 20")
        songs, _ = load_split("train")
        real, _ = sampled_windows([(s.notes, s.n_steps) for s in songs], args.windows, np.random.default_rng(args.seed))
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(real)} POP909 train windows against {len(generated)} generated ones")
    print_spread(feature_spread(real, generated)[: args.top])
    return 0


def print_spread(rows: list[FeatureSpread]) -> None:
    """The rows as a table: feature, share of real windows outside ours, both sides' percentiles."""
    print(f"{'feature':34s} {'outside':>7s}   real 5/50/95%              generated 5/50/95%")
    for r in rows:
        fmt = " ".join(f"{v:7.3f}" for v in r.real), " ".join(f"{v:7.3f}" for v in r.generated)
        print(f"{r.name:34s} {r.outside:7.3f}   {fmt[0]}    {fmt[1]}")


if __name__ == "__main__":
    raise SystemExit(main())
