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
windows it calls generated shows where the music gives itself away. The same is asked against real
windows drawn to be as busy as ours (discriminator.busyness_matched): what is left once the onsets a
bar that each shot's motion asks for are set aside.

    python -m benchmarks.real_clip_music [--seeds 8] [--first-seed 0] [--out DIR | --midi-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.midi import write_midi
from bgm_studio.music.pop909 import load_split
from bgm_studio.project.piece import project_score
from bgm_studio.project.scoring import Scorer, ScoringOptions
from bgm_studio.video.analysis import analyze_video

from .common import hardware
from .discriminator import busyness_matched, held_out_labels, midi_files, piece_windows, read_folder, sampled_windows
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


def score_all(folder: Path, seeds: range) -> None:
    """Score every video at each seed into folder/<video>_s<seed>.mid."""
    scorer = Scorer()
    for name, path in videos().items():
        analysis = analyze_video(path)
        for seed in seeds:
            project = scorer.generate(scorer.plan(analysis, ScoringOptions(seed=seed)))
            write_midi(project_score(project), folder / f"{name}_s{seed}.mid")
            form = "".join(f"{p.letter}{p.n_bars}" for p in project.phrases)
            print(f"{name:14s} seed {seed}: {len(project.shots)} shots, {project.n_beats // 4} bars, form {form}")


def sources_of(folder: Path) -> list[str]:
    """The video each MIDI file of the folder was scored for (<video>_s<seed>.mid), in midi_files' order."""
    return [p.stem.rsplit("_s", 1)[0] for p in midi_files(folder)]


def held_out_groups(folder: Path) -> np.ndarray:
    """int per MIDI file of the folder (midi_files' order): the footage it was scored for (`footage`:
    the montages as one), the pieces a judge holds out together."""
    return np.unique([footage(s) for s in sources_of(folder)], return_inverse=True)[1]


def judge(folder: Path) -> None:
    """Print how often the classifier tells the folder's pieces from POP909 train windows, drawn as
    usual and drawn as busy as ours, overall and per video."""
    gen, piece = piece_windows(read_folder(folder))
    sources = np.array(sources_of(folder))
    songs, _ = load_split("train")
    real = [(s.notes, s.n_steps) for s in songs]
    window_source = sources[piece]
    names = list(dict.fromkeys(sources))
    video = held_out_groups(folder)[piece]
    every_real = piece_windows(real)
    draws = {
        "plain": lambda rng: sampled_windows(real, len(gen), rng),
        "matched": lambda rng: busyness_matched(every_real, gen, rng),
    }
    accuracy: dict[str, list[float]] = {draw: [] for draw in draws}
    called: dict[tuple[str, str], list[float]] = {(draw, name): [] for draw in draws for name in names}
    for seed in CLASSIFIER_SEEDS:
        for draw, real_windows in draws.items():
            r, r_piece = real_windows(np.random.default_rng(seed))
            y = np.r_[np.zeros(len(r), int), np.ones(len(gen), int)]
            labels = held_out_labels(np.concatenate([r, gen]), y, np.r_[r_piece + video.max() + 1, video], seed)
            accuracy[draw].append(float((labels == y).mean()))
            for name in names:
                called[draw, name].append(float(labels[len(r) :][window_source == name].mean()))
    print(
        f"\ngenerated vs real: accuracy {np.mean(accuracy['plain']):.1%} (classifier seeds {np.round(accuracy['plain'], 3).tolist()}),"
    )
    print(f"{len(gen)} windows a side from {len(sources)} pieces; 50% means indistinguishable")
    print(
        f"against real windows as busy as ours (busyness_matched): {np.mean(accuracy['matched']):.1%} {np.round(accuracy['matched'], 3).tolist()}"
    )
    print(f"{'source':16s}{'windows':>9s}{'called generated':>18s}{'as busy':>9s}")
    for name in names:
        shares = [np.mean(called[draw, name]) for draw in draws]
        print(f"{name:16s}{int((window_source == name).sum()):9d}{shares[0]:18.1%}{shares[1]:9.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8, help="seeds each video is scored at (default 8)")
    ap.add_argument(
        "--first-seed", type=int, default=0, help="the first of them (default 0): a second draw of pieces to judge by"
    )
    ap.add_argument("--out", help="keep the MIDI files in this folder (default: a temporary one)")
    ap.add_argument("--midi-dir", help="judge the pieces already in this folder (as --out kept them), scoring none")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        if args.midi_dir:
            judge(Path(args.midi_dir))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(args.out or tmp)
                folder.mkdir(parents=True, exist_ok=True)
                score_all(folder, range(args.first_seed, args.first_seed + args.seeds))
                judge(folder)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"({time.perf_counter() - t0:.0f} s) {hardware()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
