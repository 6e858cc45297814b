"""Can a classifier tell music scored for real footage from POP909? `python -m benchmarks.real_clip_music`.

The validation figure (benchmarks.discriminator on `eval --generate --form labels`) scores POP909's
own controls, chords and phrase labels; a video brings drawn chords, a planned form and cuts. This
scores real footage nobody here made, as a user would (`Scorer.plan` then `generate`, default
options), at several seeds: the 3-minute join of the real clips (24 shots), vtest.avi (one 79-s
shot) and four montages of the real clips' shots (24 pieces of 1.5-3.5 s each, cut together by
benchmarks.real_montage). The pieces' 8-bar windows are told from POP909 train windows by the
discriminator's classifier (3 classifier seeds), with a footage's pieces held out together: a
video's seeds share its controls, and the four montages are cut from one pool of shots. Held out
piece by piece, the classifier learnt each video's traits from its other seeds (the 3-minute join
read 85% generated, held out whole 24-38%); held out one montage at a time, it learnt them from the
other three (montages read 78-85% generated, held out together 24-50%). The share of each video's
windows it calls generated shows where the music gives itself away.

    python -m benchmarks.real_clip_music [--seeds 8] [--first-seed 0] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bgm_studio.music.midi import write_midi
from bgm_studio.music.pop909 import load_split
from bgm_studio.project.piece import project_score
from bgm_studio.project.scoring import Scorer, ScoringOptions
from bgm_studio.video.analysis import analyze_video

from .common import hardware
from .discriminator import held_out_labels, piece_windows, read_folder, sampled_windows
from .end_to_end import real_three_minutes_720p
from .real_clips import CACHE, CLIPS, fetch
from .real_montage import make_montage

MONTAGES = 4
CLASSIFIER_SEEDS = (0, 1, 2)


def videos() -> dict[str, Path]:
    """The real footage scored: the 3-minute join, vtest.avi and the montages (made once into the cache)."""
    out = {"three-minutes": real_three_minutes_720p(), "vtest": fetch(next(c for c in CLIPS if c.name == "vtest.avi"))}
    for m in range(MONTAGES):
        path = CACHE / f"montage{m}.mp4"
        if not path.is_file():
            part = path.with_suffix(".part.mp4")
            make_montage(part, 24, 1.5, 3.5, seed=m)
            part.replace(path)
        out[f"montage{m}"] = path
    return out


def footage(name: str) -> str:
    """What a video's pieces are held out with: the montages share their shots, so all of them."""
    return "montages" if name.startswith("montage") else name


def score_all(folder: Path, seeds: range) -> list[str]:
    """Score every video at each seed into folder/<video>_s<seed>.mid; the source of each file, in order."""
    scorer = Scorer()
    for name, path in videos().items():
        analysis = analyze_video(path)
        for seed in seeds:
            project = scorer.generate(scorer.plan(analysis, ScoringOptions(seed=seed)))
            write_midi(project_score(project), folder / f"{name}_s{seed}.mid")
            form = "".join(f"{p.letter}{p.n_bars}" for p in project.phrases)
            print(f"{name:14s} seed {seed}: {len(project.shots)} shots, {project.n_beats // 4} bars, form {form}")
    return [p.stem.rsplit("_s", 1)[0] for p in sorted(folder.glob("*.mid"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8, help="seeds each video is scored at (default 8)")
    ap.add_argument(
        "--first-seed", type=int, default=0, help="the first of them (default 0): a second draw of pieces to judge by"
    )
    ap.add_argument("--out", help="keep the MIDI files in this folder (default: a temporary one)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        sources = np.array(score_all(folder, range(args.first_seed, args.first_seed + args.seeds)))
        gen, piece = piece_windows(read_folder(folder))
    songs, _ = load_split("train")
    real = [(s.notes, s.n_steps) for s in songs]
    window_source = sources[piece]
    video = np.unique([footage(s) for s in sources], return_inverse=True)[1][piece]  # held out together
    accuracy, called = [], {name: [] for name in dict.fromkeys(sources)}
    for seed in CLASSIFIER_SEEDS:
        r, r_piece = sampled_windows(real, len(gen), np.random.default_rng(seed))
        y = np.r_[np.zeros(len(r), int), np.ones(len(gen), int)]
        labels = held_out_labels(np.concatenate([r, gen]), y, np.r_[r_piece + video.max() + 1, video], seed)
        accuracy.append(float((labels == y).mean()))
        for name in called:
            called[name].append(float(labels[len(r) :][window_source == name].mean()))
    print(f"\ngenerated vs real: accuracy {np.mean(accuracy):.1%} (classifier seeds {np.round(accuracy, 3).tolist()}),")
    print(f"{len(gen)} windows a side from {len(sources)} pieces; 50% means indistinguishable")
    print(f"{'source':16s}{'windows':>9s}{'called generated':>18s}")
    for name, shares in called.items():
        print(f"{name:16s}{int((window_source == name).sum()):9d}{np.mean(shares):18.1%}")
    print(f"({time.perf_counter() - t0:.0f} s) {hardware()}")


if __name__ == "__main__":
    main()
