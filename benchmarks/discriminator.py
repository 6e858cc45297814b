"""Can a classifier tell generated 8-bar windows from real POP909 ones? `python -m benchmarks.discriminator --midi-dir DIR`.

Every piece is cut into 8-bar windows (bar 0-7, 8-15, ...; a window counts if notes sound in
at least 6 of its bars). Each window becomes a fixed vector of composition features: per track
onsets per bar, onset positions in the bar, note lengths and register; polyphony; the key-free
pitch-class histogram; the melody line's interval histogram, repeats and distinct pitches;
bar-to-bar repetition; bass on downbeats. Velocity is left out: the classifier judges the
composition, not the performance. A gradient-boosted tree classifier is trained with piece-level
5-fold cross-validation (no piece has windows in both the training and the held-out part), on
every generated window and as many real ones, drawn one per song in turn so the real side is as
varied as it can be; its held-out accuracy is printed: 50% means indistinguishable.

The calibration run splits real songs into two random halves and asks the same question with
the same number of windows; it shows the accuracy that noise alone gives (about 50%). Where the
generated files are named by the POP909 songs whose controls they were made for (as `bgm-studio
eval --midi-out` names them), the same question is also asked of those songs' own windows against
the other real songs: the accuracy their style alone gives, which the generated figure cannot beat
(train songs 803-818: 58.5%; 771-786: 48.8%; 771-818: 53.5%; test songs 819-830: 51.3%).
Real windows come from the train split (001-818) unless --real-split test is given, which is
only for a final figure: generated pieces are made for test-song controls.
From Python: `discriminate(real, generated)` with lists of (notes, n_steps); a piano roll gives
`(roll_to_note_array(roll), roll.n_steps)`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.form_metrics import bar_onset_sets
from bgm_studio.music.melody_metrics import melody_line
from bgm_studio.music.metrics import BASS_CEILING, entropy_bits, sounding_counts
from bgm_studio.music.notes import MELODY, STEPS_PER_BAR
from bgm_studio.music.pop909 import default_root, load_song, load_split

START, PITCH, LENGTH, VELOCITY, TRACK = range(5)
WINDOW_BARS = 8
MIN_SOUNDING_BARS = 6
WINDOW_STEPS = WINDOW_BARS * STEPS_PER_BAR
LENGTH_EDGES = (1, 2, 3, 5, 9, 17)  # 16th steps: 1, 2, 3-4, 5-8, 9-16, 17+
INTERVAL_EDGES = (-12, -7, -4, -2, 0, 1, 3, 5, 8, 13)  # signed semitones, bins between (and beyond) them


def windows_of(notes: np.ndarray, n_steps: int) -> list[np.ndarray]:
    """The piece's 8-bar windows with notes sounding in >= 6 bars, each shifted to start at step 0
    (notes clipped to the window; a note held into a window from before it is left out)."""
    notes = np.asarray(notes, np.int64).reshape(-1, 5)
    out = []
    for w in range(n_steps // WINDOW_STEPS):
        lo = w * WINDOW_STEPS
        win = notes[(notes[:, START] >= lo) & (notes[:, START] < lo + WINDOW_STEPS)].copy()
        win[:, START] -= lo
        win[:, LENGTH] = np.minimum(win[:, LENGTH], WINDOW_STEPS - win[:, START])
        bars = sounding_counts(win, WINDOW_STEPS).reshape(WINDOW_BARS, STEPS_PER_BAR).any(axis=1)
        if bars.sum() >= MIN_SOUNDING_BARS:
            out.append(win)
    return out


def _track_features(track: np.ndarray) -> list[float]:
    """Onsets per bar, onset positions in the bar (16), note lengths (6), register (3)."""
    n = max(len(track), 1)
    positions = np.bincount(track[:, START] % STEPS_PER_BAR, minlength=STEPS_PER_BAR) / n
    lengths = np.bincount(np.digitize(track[:, LENGTH], LENGTH_EDGES) - 1, minlength=len(LENGTH_EDGES)) / n
    pitch = track[:, PITCH] if len(track) else np.zeros(1)
    return [len(track) / WINDOW_BARS, *positions, *lengths, pitch.mean(), pitch.std(), float(np.ptp(pitch))]


def _melody_features(win: np.ndarray) -> list[float]:
    """Signed interval histogram of the melody line (11), repeats, most-common share, distinct pitches."""
    _, pitches = melody_line(win)
    steps = np.diff(pitches)
    n = max(len(steps), 1)
    hist = np.bincount(np.digitize(steps, INTERVAL_EDGES), minlength=len(INTERVAL_EDGES) + 1) / n
    common = np.bincount(pitches).max() / len(pitches) if len(pitches) else 0.0
    return [*hist, float((steps == 0).mean()) if len(steps) else 0.0, common, len(np.unique(pitches))]


def _repetition_features(win: np.ndarray) -> list[float]:
    """Mean onset-set overlap of bars 1, 2 and 4 apart, and bars with a bass note at the downbeat."""
    sets = bar_onset_sets(win, WINDOW_BARS)
    out = []
    for lag in (1, 2, 4):
        pairs = [(a, b) for a, b in zip(sets[lag:], sets[:-lag]) if a or b]
        out.append(float(np.mean([len(a & b) / len(a | b) for a, b in pairs])) if pairs else 0.0)
    downbeats = np.arange(WINDOW_BARS) * STEPS_PER_BAR
    bass = win[win[:, PITCH] < BASS_CEILING]
    held = (bass[None, :, START] <= downbeats[:, None]) & (
        bass[None, :, START] + bass[None, :, LENGTH] > downbeats[:, None]
    )
    return [*out, float(held.any(axis=1).mean()), len(bass) / WINDOW_BARS]


def _track_names(track: str) -> list[str]:
    """The names of _track_features' columns for one track."""
    return [
        f"{track} onsets a bar",
        *[f"{track} onsets at 16th {i}" for i in range(STEPS_PER_BAR)],
        *[f"{track} lengths {a}-{b - 1}" for a, b in zip(LENGTH_EDGES, LENGTH_EDGES[1:])],
        f"{track} lengths {LENGTH_EDGES[-1]}+",
        f"{track} mean pitch",
        f"{track} pitch sd",
        f"{track} pitch range",
    ]


# What each column of window_features is, in its order.
FEATURE_NAMES = (
    *_track_names("melody"),
    *_track_names("accompaniment"),
    "polyphony mean",
    "polyphony sd",
    "polyphony most",
    "silent steps",
    "notes per onset",
    *[f"main pitch class +{i}" for i in range(12)],
    "pitch-class entropy",
    *[f"melody interval bin {i}" for i in range(len(INTERVAL_EDGES) + 1)],
    "melody repeats",
    "melody most common pitch",
    "melody distinct pitches",
    *[f"bar onset overlap {lag} apart" for lag in (1, 2, 4)],
    "bass on downbeats",
    "bass notes a bar",
)


def window_features(win: np.ndarray) -> np.ndarray:
    """float (n_features,): the composition features of one 8-bar window (module docstring; FEATURE_NAMES)."""
    counts = sounding_counts(win, WINDOW_STEPS)
    pcs = np.bincount(win[:, PITCH] % 12, weights=win[:, LENGTH], minlength=12)
    pcs = np.roll(pcs, -int(np.argmax(pcs))) / max(pcs.sum(), 1)  # key-free: the main pitch class first
    onset_steps = np.unique(win[:, START])
    return np.array(
        [
            *_track_features(win[win[:, TRACK] == MELODY]),
            *_track_features(win[win[:, TRACK] != MELODY]),
            counts.mean(),
            counts.std(),
            counts.max(),
            (counts == 0).mean(),
            len(win) / max(len(onset_steps), 1),
            *pcs,
            entropy_bits(pcs),
            *_melody_features(win),
            *_repetition_features(win),
        ],
        np.float64,
    )


def piece_windows(
    pieces: list[tuple[np.ndarray, int]], features: Callable[[np.ndarray], np.ndarray] = window_features
) -> tuple[np.ndarray, np.ndarray]:
    """(features (n_windows, n_features), piece index of each window) over all pieces; `features`
    makes one window's vector."""
    feats, groups = [], []
    for i, (notes, n_steps) in enumerate(pieces):
        for win in windows_of(notes, n_steps):
            feats.append(features(win))
            groups.append(i)
    if not feats:
        raise BgmError("no 8-bar window with notes in 6 of its bars: pieces too short or silent")
    return np.array(feats), np.array(groups)


@dataclass
class DiscriminatorResult:
    accuracy: float  # held-out accuracy on balanced classes, pooled over folds
    fold_std: float  # standard deviation of the per-fold accuracies
    windows: int  # windows per class
    pieces: tuple[int, int]  # pieces on each side
    # Held-out share of each side's windows the classifier places on that side. Ours, at stop 49: 0.80-0.84
    # of real windows called real, 0.49-0.52 of generated ones called generated: the generated windows lie
    # inside the real spread, and the lead comes from real windows where none of ours go (window_spread).
    a_hit: float
    b_hit: float


def _cross_validated(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, folds: int
) -> tuple[float, float, float, float]:
    """(accuracy, its sd over folds, share of class 0 called 0, share of class 1 called 1), held out."""
    labels, fold = _held_out(x, y, groups, seed, folds)
    hit = labels == y
    return (
        float(hit.mean()),
        float(np.std([hit[fold == k].mean() for k in range(folds)])),
        float(hit[y == 0].mean()),
        float(hit[y == 1].mean()),
    )


def held_out_labels(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, folds: int = 5) -> np.ndarray:
    """int (n,): the class the classifier gives each window while its piece is held out (piece-level
    folds: no piece has windows on both sides of a split)."""
    return _held_out(x, y, groups, seed, folds)[0]


def _held_out(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, folds: int) -> tuple[np.ndarray, np.ndarray]:
    """(held-out class of each window, the fold that held it out)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedGroupKFold
    from threadpoolctl import threadpool_limits

    labels, fold = np.zeros(len(y), int), np.zeros(len(y), int)
    split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with threadpool_limits(1):  # OpenMP threads on a busy machine take 20x longer than one thread
        for k, (train, test) in enumerate(split.split(x, y, groups)):
            clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)
            labels[test], fold[test] = clf.fit(x[train], y[train]).predict(x[test]), k
    return labels, fold


def sampled_windows(
    pieces: list[tuple[np.ndarray, int]],
    n: int,
    rng: np.random.Generator,
    features: Callable[[np.ndarray], np.ndarray] = window_features,
) -> tuple[np.ndarray, np.ndarray]:
    """(features, piece index) of n windows spread over as many pieces as possible: pieces in random
    order give one random unused window each, round after round, until there are n."""
    order = rng.permutation(len(pieces))
    wins = {}
    chosen: list[tuple[int, np.ndarray]] = []
    while len(chosen) < n:
        before = len(chosen)
        for i in order:
            if i not in wins:
                wins[i] = windows_of(*pieces[i])
                rng.shuffle(wins[i])
            if wins[i] and len(chosen) < n:
                chosen.append((i, wins[i].pop()))
        if len(chosen) == before:
            raise BgmError(f"the pieces hold fewer than {n} 8-bar windows")
    return np.array([features(w) for _, w in chosen]), np.array([i for i, _ in chosen])


BUSYNESS = ("melody onsets a bar", "accompaniment onsets a bar")  # what a video's motion asks of the music


def busyness_matched(
    real: tuple[np.ndarray, np.ndarray], generated: np.ndarray, rng: np.random.Generator, nearest: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """(features, piece index) of one real window for each generated window (features as
    window_features), drawn among the `nearest` unused real windows likest it in its melody's and
    accompaniment's onsets a bar (alike_windows). Judged against these, a classifier can no longer
    tell pieces apart by how busy they are, which a video's motion sets: calm footage asks for calm
    music, rarer in POP909 than in films."""
    cols = [FEATURE_NAMES.index(name) for name in BUSYNESS]
    chosen = alike_windows(real[0][:, cols], generated[:, cols], rng, nearest)
    return real[0][chosen], real[1][chosen]


def alike_windows(key_real: np.ndarray, key_gen: np.ndarray, rng: np.random.Generator, nearest: int = 20) -> np.ndarray:
    """int (len(key_gen),): for each generated window (its row of key_gen, e.g. BUSYNESS), the index
    of a real window (rows of key_real) drawn among the `nearest` unused ones likest it, each column in
    units of the real windows' spread, each real window used once."""
    scale = np.maximum(key_real.std(axis=0), 1e-9)
    key_real, key_gen = key_real / scale, key_gen / scale
    if len(key_real) < len(key_gen) + nearest:
        raise BgmError(f"need at least {len(key_gen) + nearest} real windows to match {len(key_gen)} generated ones")
    free = np.ones(len(key_real), bool)
    chosen = np.zeros(len(key_gen), np.int64)
    for k in rng.permutation(len(key_gen)):
        distance = np.where(free, ((key_real - key_gen[k]) ** 2).sum(axis=1), np.inf)
        pick = int(rng.choice(np.argpartition(distance, nearest)[:nearest]))
        chosen[k], free[pick] = pick, False
    return chosen


def classify(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], seed: int = 0, folds: int = 5
) -> DiscriminatorResult:
    """Accuracy of telling side a's windows from side b's (equal counts), each given as (features, piece index)."""
    pieces = (len(np.unique(a[1])), len(np.unique(b[1])))
    if min(pieces) < folds:
        raise BgmError(f"need at least {folds} pieces with 8-bar windows on each side")
    x = np.concatenate([a[0], b[0]])
    y = np.r_[np.zeros(len(a[0]), int), np.ones(len(b[0]), int)]
    groups = np.r_[a[1], b[1] + a[1].max() + 1]  # pieces of the two sides never share a group
    acc, std, a_hit, b_hit = _cross_validated(x, y, groups, seed, folds)
    return DiscriminatorResult(acc, std, len(b[0]), pieces, a_hit, b_hit)


def discriminate(
    real: list[tuple[np.ndarray, int]], generated: list[tuple[np.ndarray, int]], seed: int = 0, folds: int = 5
) -> DiscriminatorResult:
    """Held-out accuracy of a classifier telling generated 8-bar windows from real ones.

    real, generated: pieces as (notes int (N, 5), n_steps); a PianoRoll r gives
    (roll_to_note_array(r), r.n_steps). Every generated window is used; as many real windows are
    drawn, one per real piece in turn (sampled_windows), so the real side is as varied as it can be.
    """
    gen = piece_windows(generated)
    return classify(sampled_windows(real, len(gen[0]), np.random.default_rng(seed)), gen, seed, folds)


def calibrate(real: list[tuple[np.ndarray, int]], n_windows: int, seed: int = 0, folds: int = 5) -> DiscriminatorResult:
    """The same test between two random halves of real pieces, n_windows a side: what chance looks like."""
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(len(real))
    halves = [real[i] for i in order[: len(real) // 2]], [real[i] for i in order[len(real) // 2 :]]
    return classify(*(sampled_windows(h, n_windows, rng) for h in halves), seed, folds)


def song_ids(folder: Path) -> list[str]:
    """The POP909 song ids the folder's MIDI files are named by (819.mid -> 819); empty unless all are."""
    stems = [p.stem for p in sorted(folder.iterdir()) if p.suffix.lower() in (".mid", ".midi")]
    return stems if stems and all(len(x) == 3 and x.isdigit() for x in stems) else []


def midi_files(folder: Path) -> list[Path]:
    """The folder's MIDI files, by name."""
    if not folder.is_dir():
        raise BgmError(f"{folder}: no such folder")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".mid", ".midi"))


def read_folder(folder: Path) -> list[tuple[np.ndarray, int]]:
    """Every MIDI file in a folder (midi_files) as (notes, n_steps)."""
    from bgm_studio.music.midi import read_midi
    from bgm_studio.music.pop909 import notes_to_array

    pieces = []
    for path in midi_files(folder):
        score = read_midi(path)
        pieces.append((notes_to_array(score.notes), score.n_steps))
    if not pieces:
        raise BgmError(f"{folder}: no MIDI files (.mid) in this folder")
    return pieces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", help="generated pieces (.mid); without it only the calibration runs")
    parser.add_argument(
        "--real-split",
        default="train",
        choices=["train", "test"],
        help="real songs (default train; test only for a final figure)",
    )
    parser.add_argument("--pop909", help="POP909 folder (default ../shared/data/pop909 or $BGM_POP909)")
    parser.add_argument(
        "--windows",
        type=int,
        default=400,
        help="windows a side in the calibration run without --midi-dir (default 400)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        t0 = time.perf_counter()
        songs, _ = load_split(args.real_split, args.pop909)
        real = [(s.notes, s.n_steps) for s in songs]
        figures = {"real_split": args.real_split}
        n_windows = args.windows
        if args.midi_dir:
            res = discriminate(real, read_folder(Path(args.midi_dir)), args.seed)
            figures["generated_vs_real"] = asdict(res)
            n_windows = res.windows
            print(
                f"generated vs real:  accuracy {res.accuracy:.1%} (folds ±{res.fold_std:.1%}), "
                f"{res.windows} windows a side from {res.pieces[1]} generated and {res.pieces[0]} real pieces; "
                f"real called real {res.a_hit:.1%}, generated called generated {res.b_hit:.1%}"
            )
            ids = song_ids(Path(args.midi_dir))
            if ids:
                root = Path(args.pop909) if args.pop909 else default_root()
                own = [(x.notes, x.n_steps) for x in (load_song(root / i) for i in ids)]
                rest = [(s.notes, s.n_steps) for s in songs if s.song_id not in ids]
                res = discriminate(rest, own, args.seed)
                figures["own_songs_vs_real"] = asdict(res)
                print(
                    f"their songs vs real: accuracy {res.accuracy:.1%} (folds ±{res.fold_std:.1%}), "
                    f"{res.windows} windows a side: the floor of the figure above"
                )
        res = calibrate(real, n_windows, args.seed)
        figures["real_halves"] = asdict(res)
        print(
            f"real half vs half:  accuracy {res.accuracy:.1%} (folds ±{res.fold_std:.1%}), "
            f"{res.windows} windows a side from {res.pieces[0]} and {res.pieces[1]} {args.real_split} songs"
        )
        print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        if args.json:
            from bgm_studio.atomic import atomic_path

            with atomic_path(args.json) as tmp:
                tmp.write_text(json.dumps(figures, indent=2))
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
