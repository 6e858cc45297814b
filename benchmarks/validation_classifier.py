"""The classifier on validation songs, with its noise: `python -m benchmarks.validation_classifier`.

The figure the music work steers by: pieces written for train songs 771-818's own controls, chords
and phrase labels (as `eval --generate --form labels`), at several generation seeds, each told from
POP909 train windows by the discriminator (benchmarks.discriminator) at several classifier seeds;
beside each seed's figure, the share of real windows called real and of ours called generated
(benchmarks.window_spread shows where the real ones go that ours do not).
One generation seed moves the figure by about two points (stop 46: 68.4 / 67.4 / 71.1 / 71.2% at
seeds 0-3 with the same code), more than most single changes do, so a change is judged by the mean
over four generation seeds beside their spread, never by one or two. The songs' own windows against
the other train songs give the floor.

    python -m benchmarks.validation_classifier [--seeds 4] [--first-seed 0] [--classifier-seeds 4] [--songs 771-818]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bgm_studio.model.checkpoint import load_melody, load_model, load_roll_critic
from bgm_studio.model.composer import Composer
from bgm_studio.model.evaluate import evaluate_generated
from bgm_studio.model.melody_writer import MelodyWriter
from bgm_studio.model.pipeline import ScorePipeline
from bgm_studio.model.bar_critic import BarCritic
from bgm_studio.model.texture import TextureLibrary
from bgm_studio.music.pop909 import load_split, songs_in_range

from .common import hardware
from .discriminator import discriminate


def seed_summary(accuracy: np.ndarray) -> dict[str, float]:
    """Mean, spread between generation seeds and range of accuracy (generation seeds, classifier seeds)."""
    per_seed = accuracy.mean(axis=1)
    return {
        "mean": float(accuracy.mean()),
        "seed_sd": float(per_seed.std(ddof=1)) if len(per_seed) > 1 else 0.0,
        "seed_low": float(per_seed.min()),
        "seed_high": float(per_seed.max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4, help="generation seeds, N of them (default 4)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first generation seed (default 0)")
    parser.add_argument("--classifier-seeds", type=int, default=4, help="classifier seeds 0..N-1 (default 4)")
    parser.add_argument("--songs", default="771-818", help="train songs written for (default 771-818)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    songs, _ = load_split("train")
    ids = set(songs_in_range(args.songs, "train"))
    chosen = [s for s in songs if s.song_id in ids]
    real = [(s.notes, s.n_steps) for s in songs]
    rest = [(s.notes, s.n_steps) for s in songs if s.song_id not in ids]
    model, _ = load_model()
    composer = Composer(
        ScorePipeline(model, textures=TextureLibrary.load(), critic=BarCritic.load(), roll_critic=load_roll_critic()),
        MelodyWriter(load_melody()),
    )
    accuracy = np.zeros((args.seeds, args.classifier_seeds))
    for g in range(args.seeds):
        _, _, pieces = evaluate_generated(composer, chosen, args.first_seed + g, mode="labels")
        generated = [(p.notes, p.n_steps) for p in pieces]
        results = [discriminate(real, generated, c) for c in range(args.classifier_seeds)]
        accuracy[g] = [r.accuracy for r in results]
        print(
            f"generation seed {args.first_seed + g}: {accuracy[g].mean():.1%} (classifier seeds {', '.join(f'{a:.1%}' for a in accuracy[g])}; "
            f"real called real {np.mean([r.a_hit for r in results]):.1%}, "
            f"generated called generated {np.mean([r.b_hit for r in results]):.1%})"
        )
    floor = discriminate(rest, [(s.notes, s.n_steps) for s in chosen], 0).accuracy
    s = seed_summary(accuracy)
    print(
        f"generated vs real: {s['mean']:.1%} over {args.seeds} x {args.classifier_seeds} seeds "
        f"(generation seeds {s['seed_low']:.1%}-{s['seed_high']:.1%}, sd {s['seed_sd']:.1%}); "
        f"songs {args.songs} alone {floor:.1%}"
    )
    print(f"{hardware()}; {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
